package command

import (
	"runtime"
	"runtime/debug"
	"time"
)

// versionInfo is what `orderform version` reports, read from the build
// information the Go toolchain embeds in the binary.
type versionInfo struct {
	FormatVersion string `json:"format_version"`
	Version       string `json:"version"`
	GoVersion     string `json:"go_version"`
	Platform      string `json:"platform"`
	Revision      string `json:"revision,omitempty"`
	RevisionTime  string `json:"revision_time,omitempty"`
	Modified      *bool  `json:"modified,omitempty"`
}

// readBuildInfo is the binary's build information, nil when it has none.
func readBuildInfo() *debug.BuildInfo {
	info, _ := debug.ReadBuildInfo()
	return info
}

// buildVersion reads info (nil when the binary carries none): the main
// module's version ("(devel)" for a build from a checkout, unless the
// ldflags set version), and the VCS revision, its time and whether the
// checkout was modified, when the build recorded them.
func buildVersion(info *debug.BuildInfo, ldflagsVersion string) versionInfo {
	v := versionInfo{FormatVersion: "1.0", Version: "(devel)", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info != nil {
		v.GoVersion = info.GoVersion
		if mv := info.Main.Version; mv != "" {
			v.Version = mv
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.time":
				if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
					v.RevisionTime = t.UTC().Format(time.RFC3339)
				}
			case "vcs.modified":
				m := s.Value == "true"
				v.Modified = &m
			}
		}
	}
	if ldflagsVersion != "" {
		v.Version = ldflagsVersion
	}
	return v
}

// line is the version for people: "orderform v1.2.3 (abc1234, 2025-03-01T12:00:00Z, modified) go1.26 linux/amd64".
func (v versionInfo) line() string {
	s := "orderform " + v.Version
	if v.Revision != "" {
		rev := v.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		extra := rev
		if v.RevisionTime != "" {
			extra += ", " + v.RevisionTime
		}
		if v.Modified != nil && *v.Modified {
			extra += ", modified"
		}
		s += " (" + extra + ")"
	}
	return s + " " + v.GoVersion + " " + v.Platform
}
