// Package vmem is the part of illumos's resource allocator
// (usr/src/uts/common/os/vmem.c) that an identifier arena uses: seed 004
// hands out watch descriptors from one per instance (vmem_create of
// [1, UINT32_MAX] with VMC_IDENTIFIER, vmem_alloc of 1 with VM_BESTFIT)
// and minor numbers from another. It keeps vmem's segment list and its
// power-of-two freelists exactly, because they decide which identifier
// comes next: vmem_alloc takes the first segment of the smallest non-empty
// freelist, a freelist is LIFO, and vmem_free coalesces a freed segment
// with free neighbours. So after removals the next wd is the one freed
// last among isolated ones, not the lowest.
//
// An Arena has no lock of its own (vmem's vm_lock): its owner's lock
// protects it, as the seed's ins_lock protects ins_wds.
package vmem

import (
	"errors"
	"math/bits"
)

// seg is vmem_seg_t: one segment of the span, free or allocated.
type seg struct {
	start, end   uint64
	free         bool
	aprev, anext *seg // vs_aprev, vs_anext: all segments in address order
	kprev, knext *seg // vs_kprev, vs_knext: the freelist of a free segment
}

func (s *seg) size() uint64 { return s.end - s.start }

// freelist returns the index of the freelist of a segment of n units:
// highbit(n) - 1, so list k holds sizes in [2^k, 2^(k+1)).
func freelist(n uint64) int { return bits.Len64(n) - 1 }

// Arena is vmem_t for an identifier arena of quantum 1.
type Arena struct {
	name     string
	freelist [64]*seg // vm_freelist: the head of each, most recently inserted first
	freemap  uint64   // vm_freemap: bit k set when freelist k is not empty
	alloced  map[uint64]*seg
	first    *seg // the lowest segment of the span
}

// ErrNoSpace is what a VM_NOSLEEP allocation from a full arena returns
// (VM_SLEEP would sleep until something is freed).
var ErrNoSpace = errors.New("vmem: arena exhausted")

// Create is vmem_create(name, base, size, 1, ...) for an identifier arena:
// one free segment [base, base+size).
func Create(name string, base, size uint64) *Arena {
	a := &Arena{name: name, alloced: make(map[uint64]*seg)}
	s := &seg{start: base, end: base + size}
	a.first = s
	a.freelistInsert(s)
	return a
}

// Name is the arena's name (vm_name).
func (a *Arena) Name() string { return a.name }

// freelistInsert is vmem_freelist_insert: s goes at the head of its
// freelist.
func (a *Arena) freelistInsert(s *seg) {
	k := freelist(s.size())
	s.free = true
	s.kprev, s.knext = nil, a.freelist[k]
	if s.knext != nil {
		s.knext.kprev = s
	}
	a.freelist[k] = s
	a.freemap |= 1 << uint(k)
}

// freelistDelete is vmem_freelist_delete.
func (a *Arena) freelistDelete(s *seg) {
	k := freelist(s.size())
	if s.kprev != nil {
		s.kprev.knext = s.knext
	} else {
		a.freelist[k] = s.knext
	}
	if s.knext != nil {
		s.knext.kprev = s.kprev
	}
	s.kprev, s.knext, s.free = nil, nil, false
	if a.freelist[k] == nil {
		a.freemap &^= 1 << uint(k)
	}
}

// insertAfter links s into the address list after prev (nil: first).
func (a *Arena) insertAfter(prev, s *seg) {
	s.aprev = prev
	if prev == nil {
		s.anext, a.first = a.first, s
	} else {
		s.anext = prev.anext
		prev.anext = s
	}
	if s.anext != nil {
		s.anext.aprev = s
	}
}

// destroySeg unlinks s from the address list (vmem_seg_destroy).
func (a *Arena) destroySeg(s *seg) {
	if s.aprev != nil {
		s.aprev.anext = s.anext
	} else {
		a.first = s.anext
	}
	if s.anext != nil {
		s.anext.aprev = s.aprev
	}
	s.aprev, s.anext = nil, nil
}

// segAlloc is vmem_seg_alloc: [addr, addr+size) is carved from the free
// segment s. Taken from the start of s with the rest on the same
// freelist, s only shrinks where it is; otherwise it leaves its freelist
// and what is left of it goes back at the heads of theirs.
func (a *Arena) segAlloc(s *seg, addr, size uint64) {
	vsSize := s.size()
	if vsSize^(vsSize-size) <= vsSize&(vsSize-size) && s.start == addr { // P2SAMEHIGHBIT
		n := &seg{start: addr, end: addr + size}
		s.start = addr + size
		a.insertAfter(s.aprev, n)
		a.alloced[addr] = n
		return
	}
	a.freelistDelete(s)
	if s.end != addr+size {
		rest := &seg{start: addr + size, end: s.end}
		a.insertAfter(s, rest)
		a.freelistInsert(rest)
	}
	if s.start != addr {
		head := &seg{start: s.start, end: addr}
		a.insertAfter(s.aprev, head)
		a.freelistInsert(head)
	}
	s.start, s.end = addr, addr+size
	a.alloced[addr] = s
}

// Alloc is vmem_alloc(arena, 1, VM_BESTFIT): the start of the first
// segment of the smallest non-empty freelist (for a power-of-two size
// vmem_alloc takes that segment without searching; VM_BESTFIT only
// matters to vmem_xalloc). ErrNoSpace when nothing is free.
func (a *Arena) Alloc() (uint64, error) {
	if a.freemap == 0 {
		return 0, ErrNoSpace
	}
	s := a.freelist[bits.TrailingZeros64(a.freemap)]
	addr := s.start
	a.segAlloc(s, addr, 1)
	return addr, nil
}

// Free is vmem_free(arena, addr, 1): the segment is coalesced with a free
// segment after it, then one before it, and goes at the head of its
// freelist. Freeing what is not allocated panics, as vmem_free does
// ("bad free").
func (a *Arena) Free(addr uint64) {
	s := a.alloced[addr]
	if s == nil {
		panic("vmem_free(" + a.name + "): bad free")
	}
	delete(a.alloced, addr)
	if n := s.anext; n != nil && n.free {
		a.freelistDelete(n)
		s.end = n.end
		a.destroySeg(n)
	}
	if p := s.aprev; p != nil && p.free {
		a.freelistDelete(p)
		p.end = s.end
		a.destroySeg(s)
		s = p
	}
	a.freelistInsert(s)
}

// InUse is the number of identifiers allocated.
func (a *Arena) InUse() int { return len(a.alloced) }

// Destroy is vmem_destroy: it returns how many identifiers were still
// allocated (vmem_destroy warns "leaked %lu identifiers").
func (a *Arena) Destroy() int {
	n := len(a.alloced)
	*a = Arena{name: a.name}
	return n
}
