package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
)

// tokenBytes is the size of session ids and password keys: 256 bits, far
// beyond guessing.
const tokenBytes = 32

// newToken returns a random session id. crypto/rand never fails (it
// crashes the program instead), so there is no error to return.
func newToken() string {
	b := make([]byte, tokenBytes)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newKey returns a random AES-256 key for one session's password.
func newKey() []byte {
	b := make([]byte, tokenBytes)
	rand.Read(b)
	return b
}

// logID names a session in logs without revealing its id, which is half of
// what it takes to use the session.
func logID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:6])
}

// seal encrypts password with key. The session id is authenticated with it,
// so sealed bytes moved to another session don't open there.
func seal(key []byte, password, id string) []byte {
	aead := newAEAD(key)
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(password)+aead.Overhead())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, []byte(password), []byte(id))
}

var errUnseal = errors.New("session: password does not unseal")

// unseal reverses seal. The caller should drop the result as soon as it has
// signed in.
func unseal(key, sealed []byte, id string) (string, error) {
	if len(key) != tokenBytes {
		return "", errUnseal
	}
	aead := newAEAD(key)
	if len(sealed) < aead.NonceSize() {
		return "", errUnseal
	}
	nonce, box := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, box, []byte(id))
	if err != nil {
		return "", errUnseal
	}
	password := string(plain)
	clear(plain)
	return password, nil
}

// newAEAD returns AES-GCM for a key whose length the callers guarantee.
func newAEAD(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic("session: " + err.Error())
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("session: " + err.Error())
	}
	return aead
}

// keyHash lets the Manager recognise the key a cookie brings without
// keeping the key itself.
func keyHash(key []byte) [sha256.Size]byte { return sha256.Sum256(key) }
