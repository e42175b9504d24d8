package idr

import (
	"math"
	"math/bits"
)

// IDR is struct idr: it maps ids (watch descriptors) to items, like the
// kernel's idr: a radix tree of 64-way nodes over the 31-bit id space,
// where each node keeps a bitmap of full slots so the lowest free id at or
// above any start is found in O(depth) = O(log n) steps whatever the
// number of live ids. The zero IDR is empty and ready (idr_init). It has
// no lock of its own: its owner's lock protects it.
type IDR[T any] struct {
	root  *idrNode[T]
	count int
	next  uint32 // idr_next: where AllocCyclic starts
}

const (
	idrBits   = 6
	idrFanout = 1 << idrBits
	idrLevels = 6 // 36 bits ≥ the 31 bits of a positive int32
)

// Max is the highest id (the kernel's MAX_ID_MASK, 2^31-1).
const Max = math.MaxInt32

type idrNode[T any] struct {
	full     uint64 // bit i: slot i holds an item (leaf) or a full subtree
	children [idrFanout]*idrNode[T]
	items    *[idrFanout]T // leaves only
	used     uint64        // leaves only: which items are set
}

func digit(id uint32, level int) int {
	return int(id>>(uint(level)*idrBits)) & (idrFanout - 1)
}

// Find returns the item with id (idr_find); a negative id has none.
func (r *IDR[T]) Find(id int32) (T, bool) {
	var zero T
	if id < 0 || r.root == nil {
		return zero, false
	}
	n := r.root
	u := uint32(id)
	for level := idrLevels - 1; level > 0; level-- {
		n = n.children[digit(u, level)]
		if n == nil {
			return zero, false
		}
	}
	d := digit(u, 0)
	if n.used&(1<<d) == 0 {
		return zero, false
	}
	return n.items[d], true
}

// LowestFree returns the lowest free id in [start, Max], or -1: the
// search half of idr_get_new_above (idr_get_new is start 0; Insert is the
// other half).
func (r *IDR[T]) LowestFree(start uint32) int64 {
	if r.root == nil {
		r.root = &idrNode[T]{}
	}
	return r.root.lowestFree(start, idrLevels-1, 0, true)
}

func (n *idrNode[T]) lowestFree(start uint32, level int, base uint32, bounded bool) int64 {
	first := 0
	if bounded {
		first = digit(start, level)
	}
	for i := first; i < idrFanout; i++ {
		if n.full&(1<<i) != 0 {
			// Jump to the next slot that is not full.
			rest := ^n.full &^ (1<<(i+1) - 1)
			if rest == 0 {
				return -1
			}
			i = bits.TrailingZeros64(rest) - 1
			bounded = false
			continue
		}
		childBase := base | uint32(i)<<(uint(level)*idrBits)
		if level == 0 {
			if int64(childBase) > Max {
				return -1
			}
			return int64(childBase)
		}
		c := n.children[i]
		if c == nil {
			id := childBase
			if bounded && i == first && start > childBase {
				id = start
			}
			if int64(id) > Max {
				return -1
			}
			return int64(id)
		}
		if got := c.lowestFree(start, level-1, childBase, bounded && i == first); got >= 0 {
			return got
		}
		bounded = false
	}
	return -1
}

// Insert stores item at id, which must be free (the storing half of
// idr_get_new_above).
func (r *IDR[T]) Insert(id int32, item T) {
	if r.root == nil {
		r.root = &idrNode[T]{}
	}
	r.root.insert(uint32(id), idrLevels-1, item)
	r.count++
}

func (n *idrNode[T]) insert(id uint32, level int, item T) {
	d := digit(id, level)
	if level == 0 {
		if n.items == nil {
			n.items = new([idrFanout]T)
		}
		n.items[d] = item
		n.used |= 1 << d
		n.full |= 1 << d
		return
	}
	c := n.children[d]
	if c == nil {
		c = &idrNode[T]{}
		n.children[d] = c
	}
	c.insert(id, level-1, item)
	if c.full == math.MaxUint64 {
		n.full |= 1 << d
	}
}

// Remove deletes id (idr_remove); empty nodes are freed. It reports
// whether id was there.
func (r *IDR[T]) Remove(id int32) bool {
	if r.root == nil || id < 0 {
		return false
	}
	ok := r.root.remove(uint32(id), idrLevels-1)
	if ok {
		r.count--
	}
	return ok
}

func (n *idrNode[T]) remove(id uint32, level int) bool {
	d := digit(id, level)
	if level == 0 {
		if n.used&(1<<d) == 0 {
			return false
		}
		var zero T
		n.items[d] = zero
		n.used &^= 1 << d
		n.full &^= 1 << d
		return true
	}
	c := n.children[d]
	if c == nil || !c.remove(id, level-1) {
		return false
	}
	n.full &^= 1 << d
	if c.used == 0 && c.full == 0 && c.empty() {
		n.children[d] = nil
	}
	return true
}

func (n *idrNode[T]) empty() bool {
	if n.used != 0 {
		return false
	}
	for _, c := range n.children {
		if c != nil {
			return false
		}
	}
	return true
}

// IDs returns every live id in ascending order (for checks and tests).
func (r *IDR[T]) IDs() []int32 {
	var out []int32
	if r.root != nil {
		r.root.walk(idrLevels-1, 0, &out)
	}
	return out
}

func (n *idrNode[T]) walk(level int, base uint32, out *[]int32) {
	for i := 0; i < idrFanout; i++ {
		b := base | uint32(i)<<(uint(level)*idrBits)
		if level == 0 {
			if n.used&(1<<i) != 0 {
				*out = append(*out, int32(b))
			}
			continue
		}
		if c := n.children[i]; c != nil {
			c.walk(level-1, b, out)
		}
	}
}

// AllocCyclic stores item at the lowest free id from the cursor up to
// Max, wrapping to the lowest free id >= 1, and moves the cursor past it
// (idr_alloc_cyclic(idr, item, 1, 0)). It returns -1 when every id is in
// use.
func (r *IDR[T]) AllocCyclic(item T) int32 {
	start := r.next
	if start < 1 || start > Max {
		start = 1
	}
	id := r.LowestFree(start)
	if id < 0 {
		id = r.LowestFree(1)
	}
	if id < 0 {
		return -1
	}
	r.Insert(int32(id), item)
	r.next = uint32(id) + 1
	return int32(id)
}

// SetCursor makes the next AllocCyclic start at id (idr_set_cursor).
func (r *IDR[T]) SetCursor(id uint32) { r.next = id }
