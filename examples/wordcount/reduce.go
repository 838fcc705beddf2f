package wordcount

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/batchd/batchd/plugins/sdk"

	"example.com/batchd-wordcount/count"
)

// Summary is the job's machine-readable result.
type Summary struct {
	Tasks    int               `json:"tasks"`
	Lines    int               `json:"lines"`
	Words    int               `json:"words"`
	Distinct int               `json:"distinct"`
	Top      []count.WordCount `json:"top"`
}

// Reduce merges the tasks' counts and reports the `top` most frequent
// words. Its summary text is "top 3 of 120 words: the 9, a 4, cat 4"; its
// output a Summary. A result that is not a word count task's output is an
// error wrapping sdk.ErrInvalidResult naming the task.
func (w *Workload) Reduce(ctx context.Context, job sdk.Job, next func() (sdk.Result, error)) (sdk.Summary, error) {
	top, err := intParam(job.Params, ParamTop, DefaultTop, 1)
	if err != nil {
		return sdk.Summary{}, err
	}
	words := map[string]int{}
	var s Summary
	for {
		if err := ctx.Err(); err != nil {
			return sdk.Summary{}, err
		}
		r, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sdk.Summary{}, fmt.Errorf("wordcount: reducing %s: reading result %d: %w", job.Name, s.Tasks+1, err)
		}
		var out count.Output
		if err := json.Unmarshal(r.Output, &out); err != nil || out.Words == nil {
			return sdk.Summary{}, fmt.Errorf("wordcount: reducing %s: %w: task %s: output %.80q is not a word count",
				job.Name, sdk.ErrInvalidResult, r.TaskID, r.Output)
		}
		for word, n := range out.Words {
			words[word] += n
			s.Words += n
		}
		s.Lines += out.Lines
		s.Tasks++
	}
	s.Distinct = len(words)
	s.Top = count.Top(words, top)
	raw, err := json.Marshal(s)
	if err != nil {
		return sdk.Summary{}, fmt.Errorf("wordcount: reducing %s: %w", job.Name, err)
	}
	return sdk.Summary{Text: summaryText(s), Output: raw}, nil
}

// summaryText is the line batchd prints after the job's last result.
func summaryText(s Summary) string {
	parts := make([]string, len(s.Top))
	for i, wc := range s.Top {
		parts[i] = fmt.Sprintf("%s %d", wc.Word, wc.Count)
	}
	return fmt.Sprintf("top %d of %d words: %s", len(s.Top), s.Words, strings.Join(parts, ", "))
}
