package command

import "orderform/internal/command/views"

// recordErrors makes e's stderr a views.Recorder and returns it: a -json
// command's errors, kept for its JSON outcome on stdout.
func (e *cliEnv) recordErrors() *views.Recorder {
	r := views.NewRecorder(e.stderr)
	e.stderr = r
	return r
}

// startApplyStream begins the apply -json stream of a command with -json.
func startApplyStream(e *cliEnv) *views.Stream {
	s := views.NewStream(e.ctx, e.stdout, e.recordErrors(), buildVersion(readBuildInfo(), version).Version)
	e.stream = s
	return s
}
