package collector

// Outcomes of a post to the Handler, as Options.OnPost reports them.
const (
	PostAccepted       = "accepted"               // 200: the result is committed
	PostDuplicate      = "duplicate"              // 200: an identical re-post of the committed result
	PostSuperseded     = "superseded"             // 409: the attempt is not current
	PostConflict       = "conflict"               // 409: the attempt already posted a different result
	PostResuming       = "resuming"               // 503: held while batchd resumes its jobs
	PostUnavailable    = "unavailable"            // 503: the commit failed, or the collector is closing
	PostBadRequest     = "bad_request"            // 400: not one JSON object with an "output", or an unreadable body
	PostUnauthorized   = "unauthorized"           // 401: no or a malformed bearer token
	PostForbidden      = "forbidden"              // 403: the token is not the attempt's
	PostNotFound       = "not_found"              // 404: not /v1/results/<attempt id>
	PostBadMethod      = "method_not_allowed"     // 405: not a POST
	PostTooLarge       = "too_large"              // 413: over Options.MaxBody
	PostBadContentType = "unsupported_media_type" // 415: not application/json
)

// bodyOutcome is the outcome of a body readBody refused with status.
func bodyOutcome(status int) string {
	if status == 413 {
		return PostTooLarge
	}
	return PostBadRequest
}
