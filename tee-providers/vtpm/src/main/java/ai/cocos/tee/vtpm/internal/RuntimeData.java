package ai.cocos.tee.vtpm.internal;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runtime data JSON of an Azure HCL report: the vTPM's attestation key ({@code keys[]} entry
 * with {@code kid} "HCLAkPub", an RSA JWK, RFC 7517/7518 §6.3.1), the VM configuration, and the
 * {@code user-data} the guest asked the report for (64 bytes as hex).
 *
 * @param akPub the attestation key
 * @param vmUniqueId the VM's unique id, if present
 * @param userData the user data, if present
 */
public record RuntimeData(PublicKey akPub, Optional<String> vmUniqueId, Optional<byte[]> userData) {
  /** The {@code kid} of the vTPM attestation key. */
  static final String AK_KID = "HCLAkPub";

  /**
   * Parses runtime data.
   *
   * @param json the runtime data bytes
   * @return the parsed values
   * @throws MalformedException if it is not JSON, or the AK is missing or not an RSA key
   */
  public static RuntimeData parse(byte[] json) throws MalformedException {
    Object root = Json.parse(json, "HCL runtime data");
    if (!(root instanceof Map<?, ?> m)) {
      throw new MalformedException("HCL runtime data: not a JSON object");
    }
    PublicKey ak = null;
    if (m.get("keys") instanceof List<?> keys) {
      for (Object k : keys) {
        if (k instanceof Map<?, ?> jwk && AK_KID.equals(jwk.get("kid"))) {
          if (ak != null) {
            throw new MalformedException("HCL runtime data: two HCLAkPub keys");
          }
          ak = rsa(jwk);
        }
      }
    }
    if (ak == null) {
      throw new MalformedException("HCL runtime data: no key with kid \"HCLAkPub\"");
    }
    Optional<String> id = Optional.empty();
    if (m.get("vm-configuration") instanceof Map<?, ?> c
        && c.get("vmUniqueId") instanceof String s) {
      id = Optional.of(s);
    }
    Optional<byte[]> user = Optional.empty();
    if (m.get("user-data") instanceof String u) {
      try {
        user = Optional.of(HexFormat.of().parseHex(u));
      } catch (IllegalArgumentException e) {
        throw new MalformedException("HCL runtime data: user-data is not hex");
      }
    }
    return new RuntimeData(ak, id, user);
  }

  private static PublicKey rsa(Map<?, ?> jwk) throws MalformedException {
    if (!"RSA".equals(jwk.get("kty"))
        || !(jwk.get("n") instanceof String n)
        || !(jwk.get("e") instanceof String e)) {
      throw new MalformedException("HCL runtime data: HCLAkPub is not an RSA JWK with n and e");
    }
    try {
      BigInteger mod = new BigInteger(1, Base64.getUrlDecoder().decode(n));
      BigInteger exp = new BigInteger(1, Base64.getUrlDecoder().decode(e));
      if (mod.bitLength() < QuoteVerifier.MIN_RSA_BITS || exp.signum() <= 0) {
        throw new MalformedException(
            "HCL runtime data: HCLAkPub has a " + mod.bitLength() + "-bit modulus");
      }
      return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(mod, exp));
    } catch (IllegalArgumentException | GeneralSecurityException x) {
      throw new MalformedException(
          "HCL runtime data: HCLAkPub cannot be decoded: " + x.getMessage());
    }
  }
}
