// Package virtionet reads the packets of a Linux TUN device opened with
// IFF_VNET_HDR, whose every read starts with a virtio network header
// (struct virtio_net_hdr, include/uapi/linux/virtio_net.h). With the
// device's checksum and segmentation offloads on, the header may ask the
// reader to finish a checksum the kernel left partial, or to cut a TCP or
// UDP super-packet into the packets the kernel would have sent: each with
// the super-packet's headers, at most the header's segment size of
// payload, and its lengths, IPv4 identification, TCP sequence number and
// flags and checksums made right for it.
//
// The kernel is trusted no more than the network: a header or a packet
// that does not add up is an error, never a read or write out of bounds.
// Linux only; elsewhere the package is empty.
package virtionet
