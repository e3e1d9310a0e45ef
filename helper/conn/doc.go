// Package conn runs one connection state machine per profile: it dials
// through a session.Dialer, watches the resulting session.Conn, reconnects
// when the connection drops and tells watchers about every state change.
//
// Reconnection keeps going as long as the user wants the connection up,
// with a backoff that doubles up to two minutes (RetryPolicy); a network
// change or a resume from sleep (NetworkChanged, Follow) cuts the wait
// short. A profile with kill_switch keeps its traffic blocked outside the
// tunnel through a session.KillSwitch from Connect until Disconnect, and
// Resume picks up what a crashed helper left blocked.
//
// Always-on profiles (auto_connect, or the default always-on profile kept
// in Wanted) are connected by the Manager itself (Reconsider): at the
// helper's start, when profiles or the network change. The user's
// Disconnect holds one down, across restarts, until the next Connect; on
// one of its trusted networks it stays down.
//
// The Dialer is the seam to the code that really connects (helper/session:
// the IKEv2 initiator, the ESP data path and the platform configuration);
// tests use a fake one. Every error it returns carries its failure code
// (session.Code), so the state machine never looks at the errors of the
// protocol or the platform.
package conn
