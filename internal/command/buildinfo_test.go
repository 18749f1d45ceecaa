package command

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBuildVersion reads the module version and the VCS stamp from the
// build information (issue 15, case 10).
func TestBuildVersion(t *testing.T) {
	yes := true
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		name    string
		info    *debug.BuildInfo
		ldflags string
		want    versionInfo
		line    string
	}{
		{"no build info", nil, "", versionInfo{FormatVersion: "1.0", Version: "(devel)", GoVersion: runtime.Version(), Platform: platform},
			"orderform (devel) " + runtime.Version() + " " + platform},
		{"go install of a release", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "orderform", Version: "v1.2.3"}}, "",
			versionInfo{FormatVersion: "1.0", Version: "v1.2.3", GoVersion: "go1.26.0", Platform: platform},
			"orderform v1.2.3 go1.26.0 " + platform},
		{"a build from a modified checkout", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "orderform", Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2025-03-01T12:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}, "",
			versionInfo{FormatVersion: "1.0", Version: "(devel)", GoVersion: "go1.26.0", Platform: platform, Revision: "0123456789abcdef0123", RevisionTime: "2025-03-01T12:00:00Z", Modified: &yes},
			"orderform (devel) (0123456789ab, 2025-03-01T12:00:00Z, modified) go1.26.0 " + platform},
		{"ldflags win", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "v9.9.9",
			versionInfo{FormatVersion: "1.0", Version: "v9.9.9", GoVersion: "go1.26.0", Platform: platform},
			"orderform v9.9.9 go1.26.0 " + platform},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := buildVersion(tc.info, tc.ldflags)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if l := got.line(); l != tc.line {
				t.Errorf("line %q, want %q", l, tc.line)
			}
		})
	}
}
