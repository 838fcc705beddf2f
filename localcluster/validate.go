package localcluster

import (
	"fmt"
	"strings"

	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// validateCall is Mesos's validation::scheduler::call::validate
// (src/master/validation.cpp): the message of a malformed call, or "".
func validateCall(call *scheduler.Call) string {
	if call.Type == scheduler.Call_UNKNOWN {
		return "Expecting 'type' to be present"
	}
	if call.Type == scheduler.Call_SUBSCRIBE {
		info := call.GetSubscribe().GetFrameworkInfo()
		switch {
		case call.Subscribe == nil:
			return "Expecting 'subscribe' to be present"
		case info == nil:
			return "Expecting 'subscribe.framework_info' to be present"
		case info.GetID().GetValue() != call.GetFrameworkID().GetValue():
			return "'framework_id' differs from 'subscribe.framework_info.id'"
		}
		return ""
	}
	if call.FrameworkID == nil {
		return "Expecting 'framework_id' to be present"
	}
	var present bool
	switch call.Type {
	case scheduler.Call_TEARDOWN, scheduler.Call_REVIVE, scheduler.Call_SUPPRESS:
		present = true
	case scheduler.Call_ACCEPT:
		present = call.Accept != nil
	case scheduler.Call_DECLINE:
		present = call.Decline != nil
	case scheduler.Call_ACCEPT_INVERSE_OFFERS:
		present = call.AcceptInverseOffers != nil
	case scheduler.Call_DECLINE_INVERSE_OFFERS:
		present = call.DeclineInverseOffers != nil
	case scheduler.Call_KILL:
		present = call.Kill != nil
	case scheduler.Call_SHUTDOWN:
		present = call.Shutdown != nil
	case scheduler.Call_ACKNOWLEDGE:
		if call.Acknowledge != nil && !validUUID(call.Acknowledge.UUID) {
			return "Not a valid UUID"
		}
		present = call.Acknowledge != nil
	case scheduler.Call_ACKNOWLEDGE_OPERATION_STATUS:
		present = call.AcknowledgeOperationStatus != nil
	case scheduler.Call_RECONCILE:
		present = call.Reconcile != nil
	case scheduler.Call_RECONCILE_OPERATIONS:
		present = call.ReconcileOperations != nil
	case scheduler.Call_MESSAGE:
		present = call.Message != nil
	case scheduler.Call_REQUEST:
		present = call.Request != nil
	case scheduler.Call_UPDATE_FRAMEWORK:
		if u := call.UpdateFramework; u != nil && u.FrameworkInfo.GetID().GetValue() != call.FrameworkID.Value {
			return "'framework_id' differs from 'update_framework.framework_info.id'"
		}
		present = call.UpdateFramework != nil
	default:
		present = true
	}
	if !present {
		return fmt.Sprintf("Expecting '%s' to be present", strings.ToLower(call.Type.String()))
	}
	return ""
}

// validUUID is stout's UUID::fromBytes test: 16 bytes of a known version.
func validUUID(b []byte) bool {
	if len(b) != 16 {
		return false
	}
	v := b[6] >> 4
	return v >= 1 && v <= 5
}
