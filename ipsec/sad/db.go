package sad

import (
	"errors"
	"sync"
)

// ErrSPIInUse is returned when adding an SA whose SPI is taken.
var ErrSPIInUse = errors.New("sad: SPI in use")

// DB holds SAs by SPI, inbound and outbound apart (an inbound SPI is chosen
// by this host, an outbound one by the peer, so they may coincide). Lookups
// are map reads under a shared lock: O(1) whatever the number of SAs.
type DB struct {
	mu  sync.RWMutex
	sas [2]map[uint32]*SA
}

// NewDB returns an empty database.
func NewDB() *DB {
	return &DB{sas: [2]map[uint32]*SA{{}, {}}}
}

// Add inserts sa.
func (db *DB) Add(sa *SA) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	m := db.sas[sa.Dir]
	if _, ok := m[sa.SPI()]; ok {
		return ErrSPIInUse
	}
	m[sa.SPI()] = sa
	return nil
}

// Get returns the SA with spi in direction dir.
func (db *DB) Get(dir Direction, spi uint32) *SA {
	db.mu.RLock()
	sa := db.sas[dir][spi]
	db.mu.RUnlock()
	return sa
}

// Remove deletes the SA with spi in direction dir and returns it.
func (db *DB) Remove(dir Direction, spi uint32) *SA {
	db.mu.Lock()
	defer db.mu.Unlock()
	sa := db.sas[dir][spi]
	delete(db.sas[dir], spi)
	return sa
}

// Len returns the number of SAs in direction dir.
func (db *DB) Len(dir Direction) int {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return len(db.sas[dir])
}

// Each calls f for every SA; f must not call back into db.
func (db *DB) Each(f func(*SA)) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	for _, m := range db.sas {
		for _, sa := range m {
			f(sa)
		}
	}
}
