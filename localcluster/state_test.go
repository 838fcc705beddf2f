package localcluster

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	mpb "github.com/mesos/mesos-go/api/v1/lib/master"
)

// TestStateEndpoints checks /master/state and the operator API's GET_TASKS
// (protobuf both ways, decoded with mesos-go's own types) while a task runs
// and after it finished: a running task is listed with its statuses, a
// finished and acknowledged one among the completed tasks. The shapes are
// compared with a real Mesos master's in the conformance test ("state").
func TestStateEndpoints(t *testing.T) {
	c := startCluster(t, Config{CPUs: 2})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("state"))
	o := f.offers()[0]
	f.launch(o, commandTask("long", 0.5, 32, "sleep", "30"), commandTask("short", 0.5, 32, "true"))
	for long, short := false, false; !long || !short; {
		st := f.update(true)
		long = long || st.TaskID.Value == "long" && st.GetState() == mesos.TASK_RUNNING
		short = short || st.TaskID.Value == "short" && st.GetState() == mesos.TASK_FINISHED
	}

	var state struct {
		Slaves     []struct{ ID string } `json:"slaves"`
		Frameworks []struct {
			Name  string `json:"name"`
			Tasks []struct {
				ID, State string
				Statuses  []struct{ State string } `json:"statuses"`
			} `json:"tasks"`
			Completed []struct{ ID, State string } `json:"completed_tasks"`
		} `json:"frameworks"`
	}
	resp, err := http.Get(c.URL() + "/master/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatal(err)
	}
	if len(state.Slaves) != 1 || len(state.Frameworks) != 1 || state.Frameworks[0].Name != "state" {
		t.Fatalf("state: %+v", state)
	}
	fw := state.Frameworks[0]
	if len(fw.Tasks) != 1 || fw.Tasks[0].ID != "long" || fw.Tasks[0].State != "TASK_RUNNING" || len(fw.Tasks[0].Statuses) != 2 {
		t.Errorf("tasks %+v, want long, TASK_RUNNING, with its STARTING and RUNNING statuses", fw.Tasks)
	}
	if len(fw.Completed) != 1 || fw.Completed[0].ID != "short" || fw.Completed[0].State != "TASK_FINISHED" {
		t.Errorf("completed tasks %+v, want short, TASK_FINISHED", fw.Completed)
	}

	pb := codecs.ByMediaType[codecs.MediaTypeProtobuf]
	var body bytes.Buffer
	if err := pb.NewEncoder(encoding.SinkWriter(&body)).Encode(&mpb.Call{Type: mpb.Call_GET_TASKS}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, c.URL()+"/api/v1", &body)
	req.Header.Set("Content-Type", string(codecs.MediaTypeProtobuf))
	req.Header.Set("Accept", string(codecs.MediaTypeProtobuf))
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	var got mpb.Response
	if err := pb.NewDecoder(encoding.SourceReader(resp2.Body)).Decode(&got); err != nil {
		t.Fatalf("decoding GET_TASKS (%s): %v", resp2.Status, err)
	}
	tasks := got.GetGetTasks()
	if got.Type != mpb.Response_GET_TASKS || len(tasks.Tasks) != 1 || tasks.Tasks[0].TaskID.Value != "long" ||
		len(tasks.CompletedTasks) != 1 || tasks.CompletedTasks[0].GetState() != mesos.TASK_FINISHED {
		t.Errorf("GET_TASKS: %v", got.String())
	}
}
