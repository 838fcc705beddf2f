package sdk_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/batchd/batchd/plugins/sdk"
)

// A fetcher's Fetch writes what it receives through a Dest and returns
// what Commit says.
func ExampleOpenDest() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	req := sdk.FetchRequest{URI: "demo://greeting", Dest: filepath.Join(dir, "greeting")}

	d, err := sdk.OpenDest(req, func(p sdk.Progress) { fmt.Printf("progress %d/%d\n", p.Bytes, p.Total) })
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Abort() // removes the file unless Commit succeeded
	d.SetTotal(12)
	d.Report()
	if _, err := d.ReadFrom(strings.NewReader("hello world\n")); err != nil {
		fmt.Println(err)
		return
	}
	res, err := d.Commit()
	fmt.Println(res.Size, res.SHA256[:16], err)
	// Output:
	// progress 0/12
	// progress 12/12
	// 12 a948904f2f0f479b <nil>
}

// With Request.Offset the Dest keeps the prefix an interrupted fetch left
// and the result covers the whole file.
func ExampleOpenDest_resume() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	dest := filepath.Join(dir, "greeting")
	os.WriteFile(dest, []byte("hello "), 0o644) // left by an earlier fetch

	d, err := sdk.OpenDest(sdk.FetchRequest{Dest: dest, Offset: 6}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Abort()
	// A real fetcher asks its source for the bytes from d.Written() on,
	// and calls d.Restart() if the source cannot resume or changed after
	// d.PrefixTime().
	fmt.Println("resuming at", d.Written())
	d.Write([]byte("world\n"))
	res, _ := d.Commit()
	fmt.Println(res.Size, res.SHA256[:16])
	// Output:
	// resuming at 6
	// 12 a948904f2f0f479b
}
