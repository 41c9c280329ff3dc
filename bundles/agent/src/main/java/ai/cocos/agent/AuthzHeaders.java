package ai.cocos.agent;

import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.crypto.KeyFormatException;
import ai.cocos.crypto.Signatures;
import ai.cocos.manifest.ManifestSignature;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The v1 signed-request format of {@code docs/upload-authorization.md}, for both sides: the
 * metadata keys, the exact signed message, and the client's signing (the CLI uses {@link #sign}).
 *
 * <h2>The signed message (v1)</h2>
 *
 * UTF-8, fields separated by {@code \n}, no trailing newline:
 *
 * <pre>
 * cocos-authz-v1
 * &lt;role&gt;             algorithm-provider | data-provider | consumer
 * &lt;computation id&gt;   the manifest's id
 * &lt;manifest digest&gt;  lower-case hex SHA3-256 of the manifest's canonical form
 * &lt;operation&gt;        algo | data:&lt;filename&gt; | result
 * &lt;timestamp&gt;        Unix seconds, decimal, when the client signed
 * &lt;nonce&gt;            32 lower-case hex digits (16 random bytes) chosen by the client
 * </pre>
 *
 * signed as {@link Signatures} signs (RSA PKCS#1 v1.5 SHA-256, ECDSA SHA-256 DER, Ed25519 pure) and
 * sent base64-encoded (standard, padded) in {@value #SIGNATURE}, with {@value #AUTHZ}{@code : v1},
 * {@value #TIMESTAMP} and {@value #NONCE}.
 *
 * <p>A signature captured from one call is useless elsewhere: another computation, manifest or
 * operation changes the message, the agent refuses a nonce twice, and after the skew window the
 * timestamp is stale.
 */
public final class AuthzHeaders {
  /** Metadata key of the base64 signature (as CocosAI). */
  public static final String SIGNATURE = "signature";

  /** Metadata key of the scheme version; its value is {@value #VERSION}. */
  public static final String AUTHZ = "cocos-authz";

  /** Metadata key of the signed timestamp. */
  public static final String TIMESTAMP = "cocos-timestamp";

  /** Metadata key of the signed nonce. */
  public static final String NONCE = "cocos-nonce";

  /** The scheme version sent in {@value #AUTHZ}. */
  public static final String VERSION = "v1";

  /** The first line of every v1 signed message. */
  public static final String DOMAIN = "cocos-authz-v1";

  /** Length of a nonce in hex digits (16 bytes). */
  public static final int NONCE_HEX_DIGITS = 32;

  private static final SecureRandom RANDOM = new SecureRandom();

  private AuthzHeaders() {}

  /**
   * The exact bytes signed for one request.
   *
   * @param computationId the manifest's id
   * @param manifestDigest the manifest's digest
   * @param operation the operation (its role is the message's role)
   * @param timestamp the timestamp text as sent: Unix seconds, decimal
   * @param nonce the nonce as sent: {@value #NONCE_HEX_DIGITS} lower-case hex digits
   * @return the UTF-8 message
   */
  public static byte[] message(
      String computationId,
      Sha3Hash manifestDigest,
      Operation operation,
      String timestamp,
      String nonce) {
    Objects.requireNonNull(computationId, "computationId");
    Objects.requireNonNull(manifestDigest, "manifestDigest");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(nonce, "nonce");
    String text =
        String.join(
            "\n",
            DOMAIN,
            operation.role().wire(),
            computationId,
            manifestDigest.hex(),
            operation.wire(),
            timestamp,
            nonce);
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Signs a request for a manifest's computation, now, with a fresh random nonce.
   *
   * @param manifest the manifest the client was given (its digest is computed here, never taken
   *     from the agent)
   * @param operation what the request does
   * @param key the private key of the role's party
   * @return the metadata to send: {@value #SIGNATURE}, {@value #AUTHZ}, {@value #TIMESTAMP},
   *     {@value #NONCE}
   * @throws KeyFormatException if the key's type is not accepted
   */
  public static Map<String, String> sign(Manifest manifest, Operation operation, PrivateKey key)
      throws KeyFormatException {
    return sign(
        manifest.id(),
        ManifestSignature.digest(manifest),
        operation,
        key,
        Clock.systemUTC(),
        AuthzHeaders::newNonce);
  }

  /**
   * Signs a request, with the clock and nonce source given (tests, or a client with its own).
   *
   * @param computationId the manifest's id
   * @param manifestDigest the manifest's digest
   * @param operation what the request does
   * @param key the private key of the role's party
   * @param clock the time to sign at (truncated to seconds)
   * @param nonces gives the nonce: {@value #NONCE_HEX_DIGITS} lower-case hex digits, never reused
   * @return the metadata to send, in a fixed order
   * @throws KeyFormatException if the key's type is not accepted
   * @throws IllegalArgumentException if the nonce is not {@value #NONCE_HEX_DIGITS} lower-case hex
   *     digits
   */
  public static Map<String, String> sign(
      String computationId,
      Sha3Hash manifestDigest,
      Operation operation,
      PrivateKey key,
      Clock clock,
      Supplier<String> nonces)
      throws KeyFormatException {
    String timestamp = Long.toString(clock.instant().getEpochSecond());
    String nonce = nonces.get();
    if (!isNonce(nonce)) {
      throw new IllegalArgumentException(
          "a nonce must be " + NONCE_HEX_DIGITS + " lower-case hex digits");
    }
    byte[] signature =
        Signatures.sign(key, message(computationId, manifestDigest, operation, timestamp, nonce));
    Map<String, String> m = new LinkedHashMap<>();
    m.put(SIGNATURE, Base64.getEncoder().encodeToString(signature));
    m.put(AUTHZ, VERSION);
    m.put(TIMESTAMP, timestamp);
    m.put(NONCE, nonce);
    return java.util.Collections.unmodifiableMap(m);
  }

  /**
   * Signs as CocosAI's CLI does: the bare role string, with no binding to computation, operation or
   * time. Accepted only by an agent in legacy mode; for talking to CocosAI-era agents and tests.
   *
   * @param role the role
   * @param key the role's private key
   * @return the metadata to send: {@value #SIGNATURE} only
   * @throws KeyFormatException if the key's type is not accepted
   */
  public static Map<String, String> signLegacy(Role role, PrivateKey key)
      throws KeyFormatException {
    byte[] signature = Signatures.sign(key, role.wire().getBytes(StandardCharsets.US_ASCII));
    return Map.of(SIGNATURE, Base64.getEncoder().encodeToString(signature));
  }

  /**
   * A fresh nonce from a {@link SecureRandom}.
   *
   * @return {@value #NONCE_HEX_DIGITS} lower-case hex digits
   */
  public static String newNonce() {
    byte[] b = new byte[NONCE_HEX_DIGITS / 2];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /**
   * Whether a text is a well-formed nonce.
   *
   * @param nonce the text
   * @return {@code true} for exactly {@value #NONCE_HEX_DIGITS} lower-case hex digits
   */
  public static boolean isNonce(String nonce) {
    if (nonce == null || nonce.length() != NONCE_HEX_DIGITS) {
      return false;
    }
    for (int i = 0; i < nonce.length(); i++) {
      char c = nonce.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
