package ai.cocos.manifest;

import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.crypto.KeyFormatException;
import ai.cocos.crypto.PemKeys;
import ai.cocos.crypto.Sha3;
import ai.cocos.crypto.Signatures;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Objects;
import java.util.Optional;

/**
 * The computation owner's signature over a manifest, and the manifest's measurement.
 *
 * <h2>What is signed</h2>
 *
 * <p>The signed message is the ASCII bytes {@code cocos-manifest-v1\n} (18 bytes: the text {@code
 * cocos-manifest-v1} and a line feed, {@link #DOMAIN}) followed by {@link
 * ManifestCanonical#bytes(Manifest) the canonical bytes}. The prefix separates manifest signatures
 * from every other signature a key may make (upload signatures sign a role name), so one can never
 * be passed off as the other. The signature scheme is that of {@link Signatures}, as CocosAI signs:
 * RSA PKCS#1 v1.5 with SHA-256, ECDSA (P-256 or P-384) with SHA-256 and an ASN.1 DER signature, or
 * pure Ed25519.
 *
 * <p>To check one with OpenSSL: {@code printf 'cocos-manifest-v1\n' > msg; cat canonical.json >>
 * msg; openssl dgst -sha256 -verify owner.pem -signature sig msg} (RSA, ECDSA) or {@code openssl
 * pkeyutl -verify -pubin -inkey owner.pem -rawin -in msg -sigfile sig} (Ed25519).
 *
 * <h2>Measurement</h2>
 *
 * <p>{@link #digest(Manifest)} is SHA3-256 of the canonical bytes, without the prefix.
 */
public final class ManifestSignature {
  /** The domain-separation prefix of the signed message. */
  public static final String DOMAIN = "cocos-manifest-v1\n";

  private ManifestSignature() {}

  /**
   * The exact bytes an owner signs.
   *
   * @param manifest the manifest
   * @return {@link #DOMAIN} in ASCII followed by the canonical bytes
   */
  public static byte[] signedMessage(Manifest manifest) {
    byte[] prefix = DOMAIN.getBytes(StandardCharsets.US_ASCII);
    byte[] body = ManifestCanonical.bytes(manifest);
    byte[] message = new byte[prefix.length + body.length];
    System.arraycopy(prefix, 0, message, 0, prefix.length);
    System.arraycopy(body, 0, message, prefix.length, body.length);
    return message;
  }

  /**
   * Signs a manifest as its owner.
   *
   * @param manifest the manifest
   * @param ownerKey the owner's RSA, ECDSA or Ed25519 private key
   * @return the signature
   * @throws KeyFormatException if the key is of a type Cocos does not accept
   */
  public static byte[] sign(Manifest manifest, PrivateKey ownerKey) throws KeyFormatException {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(ownerKey, "ownerKey");
    return Signatures.sign(ownerKey, signedMessage(manifest));
  }

  /**
   * Verifies an owner's signature. Fails closed: a missing, empty, truncated or malformed
   * signature, a key of a type Cocos does not accept, or any error is a failed verification.
   *
   * @param manifest the manifest
   * @param signature the signature
   * @param owner the owner's public key
   * @return {@code true} only if the signature is the owner's over this manifest
   */
  public static boolean verify(Manifest manifest, byte[] signature, PublicKey owner) {
    if (manifest == null || signature == null || signature.length == 0 || owner == null) {
      return false;
    }
    try {
      return Signatures.verify(owner, signedMessage(manifest), signature);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Applies an agent's signature policy. With no owner key configured, any manifest passes (signed
   * or not). With one, the manifest must carry a signature that {@link #verify verifies} with it.
   *
   * @param manifest the manifest
   * @param signature the signature that came with it, if any (an empty array counts as none)
   * @param requiredOwner the owner key this agent is configured with, if any
   * @throws ManifestException if the configured owner key is of a type or size Cocos does not
   *     accept, or {@code manifest is not signed, but this agent requires a signature by owner key
   *     <fingerprint> (<type>)}, or {@code manifest signature does not verify with owner key
   *     <fingerprint> (<type>)}; the fingerprint is {@link PemKeys#fingerprint}
   */
  public static void check(
      Manifest manifest, Optional<byte[]> signature, Optional<PublicKey> requiredOwner)
      throws ManifestException {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(signature, "signature");
    Objects.requireNonNull(requiredOwner, "requiredOwner");
    if (requiredOwner.isEmpty()) {
      return;
    }
    PublicKey owner = requiredOwner.get();
    try {
      PemKeys.checkAccepted(owner);
    } catch (KeyFormatException e) {
      throw new ManifestException(
          "the owner key this agent is configured with is not accepted: " + e.getMessage());
    }
    String who = PemKeys.fingerprint(owner) + " (" + PemKeys.describe(owner) + ")";
    if (signature.isEmpty() || signature.get().length == 0) {
      throw new ManifestException(
          "manifest is not signed, but this agent requires a signature by owner key " + who);
    }
    if (!verify(manifest, signature.get(), owner)) {
      throw new ManifestException("manifest signature does not verify with owner key " + who);
    }
  }

  /**
   * The manifest's measurement: SHA3-256 of its canonical bytes.
   *
   * @param manifest the manifest
   * @return the digest
   */
  public static Sha3Hash digest(Manifest manifest) {
    return new Sha3Hash(Sha3.digest(ManifestCanonical.bytes(manifest)));
  }
}
