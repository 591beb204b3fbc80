package batv

import "crypto/sha1"

// hashBuf bounds the inner HMAC message: the 64-octet block, K DDD and
// an address of up to maxAddressCap octets.
const (
	maxAddressCap = 1024
	hashBuf       = sha1.BlockSize + 4 + maxAddressCap
)

// prvsHash returns the first three octets of HMAC-SHA1(secret, kddd ||
// addr) (RFC 2104; draft-levine-smtp-batv-01, prvs: "hash-source = K DDD
// orig-mailfrom"). It is HMAC written out over sha1.Sum so that a
// verification allocates nothing; FuzzHash holds it to crypto/hmac.
// secret is at most sha1.BlockSize octets (Checker refuses longer ones,
// as Exim does) and addr at most maxAddressCap.
func prvsHash(secret []byte, kddd *[4]byte, addr string) [3]byte {
	var buf [hashBuf]byte
	for i := 0; i < sha1.BlockSize; i++ {
		var k byte
		if i < len(secret) {
			k = secret[i]
		}
		buf[i] = k ^ 0x36
	}
	n := sha1.BlockSize
	n += copy(buf[n:], kddd[:])
	n += copy(buf[n:], addr)
	inner := sha1.Sum(buf[:n])

	var outer [sha1.BlockSize + sha1.Size]byte
	for i := 0; i < sha1.BlockSize; i++ {
		var k byte
		if i < len(secret) {
			k = secret[i]
		}
		outer[i] = k ^ 0x5c
	}
	copy(outer[sha1.BlockSize:], inner[:])
	sum := sha1.Sum(outer[:])
	return [3]byte{sum[0], sum[1], sum[2]}
}
