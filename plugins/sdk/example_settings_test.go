package sdk_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
)

// A fetcher's Configure decodes its settings key by key; every bad key is
// reported, named, wrapping ErrInvalidConfig.
func ExampleDecodeSettings() {
	var cfg struct {
		Timeout time.Duration
		Retries int
	}
	set := func(key string, raw json.RawMessage) error {
		switch key {
		case "timeout":
			return sdk.SettingDuration(raw, &cfg.Timeout)
		case "retries":
			return sdk.SettingCount(raw, &cfg.Retries, 0)
		}
		return errors.New("unknown key")
	}
	err := sdk.DecodeSettings("demo fetcher", json.RawMessage(`{"timeout": "30s", "retries": 2}`), set)
	fmt.Println(cfg.Timeout, cfg.Retries, err)
	err = sdk.DecodeSettings("demo fetcher", json.RawMessage(`{"timeout": 30, "proxy": "x"}`), set)
	fmt.Println(errors.Is(err, sdk.ErrInvalidConfig))
	fmt.Println(err)
	// Output:
	// 30s 2 <nil>
	// true
	// configuring demo fetcher: fetcher: invalid config: proxy: unknown key
	// configuring demo fetcher: fetcher: invalid config: timeout: want a duration string such as "30s"
}

func ExampleRedactURI() {
	fmt.Println(sdk.RedactURI("ftp://etl:hunter2@files.example.com/in/data.csv"))
	fmt.Println(sdk.RedactURI("ftp://etl:hunter2@files.example.com:port/in/data.csv"))
	// Output:
	// ftp://etl:xxxxx@files.example.com/in/data.csv
	// ftp://xxxxx@files.example.com:port/in/data.csv
}
