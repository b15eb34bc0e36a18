package bundle

import (
	"bytes"
	"reflect"
	"sync"
	"testing"
)

// TestPooledReadStateAfterFailures: decoders go back to the pool only after
// a clean read; reads that fail in every layer, interleaved with good ones
// on several goroutines, never change what a good read returns.
func TestPooledReadStateAfterFailures(t *testing.T) {
	t.Parallel()
	good := encode(t)
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0xff
	bad := [][]byte{good[:len(good)/2], flipped, []byte("not zstd"), compress(t, []byte("not a tar archive, only text"))}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if _, err := Decode("bad.tar.zst", bad[(g+i)%len(bad)]); err == nil {
					t.Errorf("corrupt input %d decoded", (g+i)%len(bad))
					return
				}
				b, err := Decode("x.tar.zst", good)
				if err != nil {
					t.Errorf("good bundle after a failed read: %v", err)
					return
				}
				for _, m := range testMembers() {
					if got, _ := b.Member(m.Name); !bytes.Equal(got, m.Data) {
						t.Errorf("member %s = %q, want %q", m.Name, got, m.Data)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestVerifyMatchesDecode: the streaming Verify of a good bundle gives the
// same file hash, manifest and member names as Decode.
func TestVerifyMatchesDecode(t *testing.T) {
	t.Parallel()
	data := encode(t)
	want, err := Decode("x.tar.zst", data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := verifyBytes("x.tar.zst", data)
	if err != nil {
		t.Fatal(err)
	}
	if got.SHA256 != want.SHA256 || got.Size != want.Size || !reflect.DeepEqual(got.Manifest, want.Manifest) ||
		!reflect.DeepEqual(got.Names(), want.Names()) || !bytes.Equal(got.ManifestBytes, want.ManifestBytes) {
		t.Errorf("Verify %+v\nDecode %+v", got, want)
	}
	for _, n := range want.Names() {
		if !got.Has(n) {
			t.Errorf("Verify: Has(%s) false", n)
		}
	}
}
