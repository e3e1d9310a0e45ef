package e2e

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// tcpSinkPort is where startTCPSink listens.
const tcpSinkPort = 5301

// startTCPSink accepts TCP connections on addr in ns until the test ends;
// it reads each to its end and answers with the byte count, 8 octets big
// endian, so that the sender knows that everything arrived.
func startTCPSink(t *testing.T, ns *testnet.Namespace, addr netip.Addr) {
	t.Helper()
	var ln net.Listener
	if err := ns.Do(func() error {
		var err error
		ln, err = net.Listen("tcp", netip.AddrPortFrom(addr, tcpSinkPort).String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// One connection at a time: the tests send one after another.
			c.SetDeadline(time.Now().Add(2 * time.Minute))
			n, _ := io.Copy(io.Discard, c)
			var b [8]byte
			binary.BigEndian.PutUint64(b[:], uint64(n))
			c.Write(b[:])
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
}

// tcpTransfer sends size bytes from src (when valid) in ns to the sink at
// dst within timeout and checks that the sink counted them all.
func tcpTransfer(ns *testnet.Namespace, src, dst netip.Addr, size int, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	err := ns.Do(func() error {
		d := net.Dialer{Timeout: timeout}
		if src.IsValid() {
			d.LocalAddr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, 0))
		}
		c, err := d.Dial("tcp", netip.AddrPortFrom(dst, tcpSinkPort).String())
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(start.Add(timeout))
		return sendToSink(c, size)
	})
	return time.Since(start), err
}

// sendToSink sends size bytes on c, a connection to the sink, closes
// its sending side and checks that the sink counted them all.
func sendToSink(c net.Conn, size int) error {
	if _, err := c.Write(make([]byte, size)); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	var b [8]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return fmt.Errorf("reading the count: %w", err)
	}
	if n := binary.BigEndian.Uint64(b[:]); n != uint64(size) {
		return fmt.Errorf("the sink counted %d bytes of %d", n, size)
	}
	return nil
}

// tcpConnect tries a TCP connection from ns to dst, for traffic that must
// not get out; it reports whether the connection was made.
func tcpConnect(ns *testnet.Namespace, dst netip.AddrPort, timeout time.Duration) error {
	return ns.Do(func() error {
		c, err := net.DialTimeout("tcp", dst.String(), timeout)
		if err != nil {
			return err
		}
		c.Close()
		return errors.New("connected")
	})
}
