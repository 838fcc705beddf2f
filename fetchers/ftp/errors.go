package ftpfetch

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"syscall"

	"github.com/batchd/batchd/plugins/sdk"
)

// stepError names the protocol step an error happened in.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// ftpCode returns the FTP reply code carried by err, or 0.
func ftpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// classify sorts an error from one attempt (sdk.Permanent or not). 530 and 532 (and a refused
// USER) wrap ErrPermission, 550 ErrNotFound, other 5xx fail at once;
// 4xx answers, refused, dropped and timed-out connections are retried. A
// certificate the client cannot trust is permanent.
func (r *remote) classify(err error) error {
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	var se *stepError
	login := errors.As(err, &se) && se.step == "logging in"
	code := ftpCode(err)
	switch {
	case errors.As(err, &cve), errors.As(err, &uae), errors.As(err, &hne):
		return sdk.Permanent(fmt.Errorf("verifying the server certificate: %w", err))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("%w: the server did not answer within %s", err, r.cfg.Timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		// Retried; run wraps sdk.ErrUnavailable once the retries are spent.
		return err
	case login && (code == 530 || code == 532 || code == 0 && !isNetError(err)):
		return sdk.Permanent(fmt.Errorf("%w: login failed for user %q on %s: %w", sdk.ErrPermission, r.t.user, r.t.addr, err))
	case code == 550:
		return sdk.Permanent(fmt.Errorf("%w: %w", sdk.ErrNotFound, err))
	case code == 530 || code == 532:
		return sdk.Permanent(fmt.Errorf("%w: %w", sdk.ErrPermission, err))
	case code >= 500:
		return sdk.Permanent(err)
	}
	return err
}

// isNetError reports whether err came from the network rather than from
// an FTP reply (jlaffaye/ftp returns a refused USER as a plain error).
func isNetError(err error) bool {
	var ne interface{ Timeout() bool }
	var oe *os.SyscallError
	return errors.As(err, &ne) || errors.As(err, &oe) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}
