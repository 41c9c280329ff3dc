package ai.cocos.tee.vtpm;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;

/**
 * The computation manifest in the vTPM's PCR16, as CocosAI measures it (its reference §3.10): the
 * agent extends the SHA3-256 of the manifest into PCR16 of the SHA-256 bank and its SHA3-384 into
 * PCR16 of the SHA-384 bank (SHA-3 digests in SHA-2 banks), over the manifest's canonical bytes
 * ({@code ai.cocos.manifest.ManifestCanonical.bytes}: what owners sign). Before extending, the
 * agent resets PCR16 (the PC Client profile's debug PCR, resettable from any locality), so the
 * register holds exactly the manifest of the computation the agent accepted last, whichever
 * computation of the VM's life that is.
 *
 * <p>Both sides use this class: the vTPM provider when the agent measures, and the CLI when it
 * writes a policy pinning a manifest. Only banks the TPM allocated are extended; a TPM without a
 * SHA-384 bank has PCR16 in SHA-256 only.
 */
public final class ManifestPcr {
  /** The PCR that holds the manifest. */
  public static final int PCR = 16;

  /** The banks the manifest is measured into, each with its SHA-3 digest of the same size. */
  public static final List<String> BANKS = List.of("sha256", "sha384");

  private ManifestPcr() {}

  /**
   * The digest extended into a bank.
   *
   * @param bank {@code sha256} or {@code sha384}
   * @param canonical the manifest's canonical bytes
   * @return SHA3-256 (for {@code sha256}) or SHA3-384 (for {@code sha384}) of them
   * @throws IllegalArgumentException for another bank
   */
  public static byte[] digest(String bank, byte[] canonical) {
    return md(sha3(bank)).digest(canonical);
  }

  /**
   * PCR16's value in a bank after the agent measured the manifest: {@code H(0...0 || digest)}, H
   * being the bank's hash.
   *
   * @param bank {@code sha256} or {@code sha384}
   * @param canonical the manifest's canonical bytes
   * @return the register's value
   * @throws IllegalArgumentException for another bank
   */
  public static byte[] expected(String bank, byte[] canonical) {
    byte[] d = digest(bank, canonical);
    MessageDigest h = md(bank.equals("sha256") ? "SHA-256" : "SHA-384");
    h.update(new byte[d.length]);
    h.update(d);
    return h.digest();
  }

  private static String sha3(String bank) {
    return switch (bank.toLowerCase(Locale.ROOT)) {
      case "sha256" -> "SHA3-256";
      case "sha384" -> "SHA3-384";
      default ->
          throw new IllegalArgumentException(
              "the manifest is measured into PCR16 of banks sha256 and sha384, not " + bank);
    };
  }

  private static MessageDigest md(String name) {
    try {
      return MessageDigest.getInstance(name);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(name + " missing from the JDK", e);
    }
  }
}
