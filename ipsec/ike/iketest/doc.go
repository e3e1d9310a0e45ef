// Package iketest holds test doubles for the ike package and its users: a
// fake clock whose time moves only when the test says so, and an in-memory
// datagram link implementing socket.Transport, with a filter hook that
// lets a test drop or inspect datagrams, NAT mappings, and hosts whose
// address moves under their sockets.
package iketest
