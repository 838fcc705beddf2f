package mesoscluster

import (
	"errors"
	"fmt"

	"github.com/mesos/mesos-go/api/v1/lib/httpcli/apierrors"
)

// AuthError is returned by Run when the master refuses the framework's
// credentials (401 Unauthorized): no retry can mend that, so Run returns
// at once instead of trying until ConnectTimeout. Its message names the
// principal, never the secret.
type AuthError struct {
	Principal string // "" when none was configured
	Sent      bool   // whether credentials were sent at all
}

func (e *AuthError) Error() string {
	if !e.Sent {
		return "mesoscluster: the master requires authentication (401 Unauthorized) and no credentials were sent"
	}
	return fmt.Sprintf("mesoscluster: the master refused the credentials of principal %q (401 Unauthorized)", e.Principal)
}

// authError returns an *AuthError when err is the master's 401, else nil.
func (c *Cluster) authError(err error) error {
	var apiErr *apierrors.Error
	if !errors.As(err, &apiErr) || !apierrors.CodeNotAuthenticated.Matches(apiErr) {
		return nil
	}
	return &AuthError{Principal: c.cfg.Principal, Sent: c.cfg.Secret != ""}
}
