package ftpfetch

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
)

// Config holds the FTP fetcher's settings. In JSON (Configure) the keys are
// the snake_case names given with each field, and durations are strings
// such as "30s".
type Config struct {
	// User logs in when the URI names no user ("user"). Empty means
	// "anonymous".
	User string
	// Password goes with User. It is read from PasswordFile
	// ("password_file", first line, trailing newline dropped) or from the
	// environment variable PasswordEnv ("password_env") when Configure is
	// called; it is never logged nor put in an error.
	Password     string
	PasswordFile string
	PasswordEnv  string
	// DisableEPSV makes passive mode use PASV only ("disable_epsv"). By
	// default EPSV is tried first and PASV used when it fails.
	DisableEPSV bool
	// Timeout bounds dialing and every single read or write on the control
	// and data connections ("timeout"): a server that stops answering
	// fails the attempt after Timeout, however long the whole transfer takes.
	Timeout time.Duration
	// RetrySettings say how often and how fast a failed attempt is retried
	// ("retries", "backoff", "max_backoff"): refused, dropped or timed-out
	// connections and FTP 4xx answers are. An interrupted transfer resumes
	// with REST where it stopped.
	sdk.RetrySettings
	// MaxConnections bounds concurrent fetches and Stat calls, each using
	// one control connection and one data connection at a time
	// ("max_connections").
	MaxConnections int
	// CAFile names a PEM bundle trusted for ftps in addition to the system
	// roots ("ca_file").
	CAFile string
	// InsecureSkipVerify accepts any server certificate ("insecure_skip_verify").
	// For test servers only.
	InsecureSkipVerify bool
}

// DefaultConfig returns the settings used when Configure gives none.
func DefaultConfig() Config {
	return Config{
		Timeout:        30 * time.Second,
		RetrySettings:  sdk.RetrySettings{Retries: 4, Backoff: 500 * time.Millisecond, MaxBackoff: 30 * time.Second},
		MaxConnections: 4,
	}
}

// withDefaults fills zero durations and a zero connection bound from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.Backoff <= 0 {
		c.Backoff = d.Backoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = d.MaxBackoff
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = d.MaxConnections
	}
	return c
}

// applyJSON overlays the JSON settings on c and loads the password. Every
// problem is reported, each wrapping sdk.ErrInvalidConfig and naming
// its key; a password never appears in an error.
func (c Config) applyJSON(settings json.RawMessage) (Config, error) {
	if err := sdk.DecodeSettings("ftp fetcher", settings, c.set); err != nil {
		return c, err
	}
	if err := c.loadPassword(); err != nil {
		return c, fmt.Errorf("configuring ftp fetcher: %w: %w", sdk.ErrInvalidConfig, err)
	}
	return c, nil
}

// loadPassword reads the password from PasswordFile or PasswordEnv.
func (c *Config) loadPassword() error {
	switch {
	case c.PasswordFile != "" && c.PasswordEnv != "":
		return fmt.Errorf("password_file and password_env: give one, not both")
	case c.PasswordFile != "":
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return fmt.Errorf("password_file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		c.Password = strings.TrimSuffix(line, "\r")
	case c.PasswordEnv != "":
		v, ok := os.LookupEnv(c.PasswordEnv)
		if !ok {
			return fmt.Errorf("password_env: environment variable %s is not set", c.PasswordEnv)
		}
		c.Password = v
	}
	return nil
}

// set decodes one setting into c.
func (c *Config) set(key string, raw json.RawMessage) error {
	if ok, err := c.RetrySettings.Set(key, raw); ok {
		return err
	}
	switch key {
	case "user":
		return sdk.SettingString(raw, &c.User)
	case "password_file":
		return sdk.SettingString(raw, &c.PasswordFile)
	case "password_env":
		return sdk.SettingString(raw, &c.PasswordEnv)
	case "ca_file":
		if err := sdk.SettingString(raw, &c.CAFile); err != nil {
			return err
		}
		_, err := os.Stat(c.CAFile)
		return err
	case "disable_epsv":
		return sdk.SettingBool(raw, &c.DisableEPSV)
	case "insecure_skip_verify":
		return sdk.SettingBool(raw, &c.InsecureSkipVerify)
	case "timeout":
		return sdk.SettingDuration(raw, &c.Timeout)
	case "max_connections":
		return sdk.SettingCount(raw, &c.MaxConnections, 1)
	case "password":
		return fmt.Errorf("a password is not written in the config: use password_file or password_env")
	}
	return fmt.Errorf("unknown key")
}
