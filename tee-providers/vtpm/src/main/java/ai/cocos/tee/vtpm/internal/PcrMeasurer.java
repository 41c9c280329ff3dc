package ai.cocos.tee.vtpm.internal;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.RuntimeMeasurement;
import ai.cocos.api.tee.RuntimeMeasurements;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.tee.vtpm.ManifestPcr;
import ai.cocos.tee.vtpm.VtpmSettings;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures the computation manifest into PCR16 ({@link ManifestPcr}): finds the banks the TPM
 * allocated, resets PCR16 (or, where the TPM refuses the reset, accepts a PCR16 that is still
 * zero), extends the SHA-3 digests into the SHA-256 and SHA-384 banks in one TPM2_PCR_Extend, and
 * reads the register back to prove that nobody extended it in between.
 */
public final class PcrMeasurer {
  /** One extension at a time in this process: extensions do not commute. */
  private static final Object LOCK = new Object();

  private static final HexFormat HEX = HexFormat.of();

  private PcrMeasurer() {}

  /**
   * Measures content of a domain.
   *
   * @param s the settings (the TPM)
   * @param present whether the TPM exists here
   * @param domain the domain; only {@link RuntimeMeasurements#MANIFEST} is measured
   * @param content the manifest's canonical bytes
   * @return what was extended, or empty without a TPM or for another domain
   * @throws AttestationException naming the TPM and what failed
   */
  public static java.util.Optional<RuntimeMeasurement> extend(
      VtpmSettings s, boolean present, String domain, byte[] content) throws AttestationException {
    if (!RuntimeMeasurements.MANIFEST.equals(domain) || !present) {
      return java.util.Optional.empty();
    }
    String where = "vTPM " + s.device() + " PCR" + ManifestPcr.PCR;
    synchronized (LOCK) {
      try (Tpm tpm = Tpm.open(s.device())) {
        Map<Integer, List<Integer>> allocated = tpm.allocatedPcrs();
        Map<Integer, byte[]> digests = new LinkedHashMap<>();
        Map<String, String> digestsHex = new LinkedHashMap<>();
        for (String bank : ManifestPcr.BANKS) {
          int alg = TpmAlg.hashOf(bank);
          if (allocated.getOrDefault(alg, List.of()).contains(ManifestPcr.PCR)) {
            byte[] d = ManifestPcr.digest(bank, content);
            digests.put(alg, d);
            digestsHex.put(bank, HEX.formatHex(d));
          }
        }
        if (digests.isEmpty()) {
          throw new AttestationException(
              where
                  + ": the TPM allocates neither a SHA-256 nor a SHA-384 bank for PCR16 (banks: "
                  + allocated.keySet().stream().map(TpmAlg::bankName).toList()
                  + "), so the manifest cannot be measured");
        }
        reset(tpm, digests.keySet(), where);
        tpm.pcrExtend(ManifestPcr.PCR, digests);
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<Integer, byte[]> e : read(tpm, digests.keySet()).entrySet()) {
          String bank = TpmAlg.bankName(e.getKey());
          byte[] expected = ManifestPcr.expected(bank, content);
          if (!MessageDigest.isEqual(expected, e.getValue())) {
            throw new AttestationException(
                where
                    + " "
                    + bank
                    + " is "
                    + HEX.formatHex(e.getValue())
                    + " after the extension, not "
                    + HEX.formatHex(expected)
                    + ": something else extended it meanwhile");
          }
          values.put(bank, HEX.formatHex(e.getValue()));
        }
        return java.util.Optional.of(
            new RuntimeMeasurement(TeeProvider.VTPM, "PCR16", digestsHex, values));
      } catch (IOException e) {
        throw new AttestationException(where + ": " + e.getMessage(), e);
      }
    }
  }

  /** Resets PCR16; a TPM that refuses is accepted only while PCR16 is still zero in every bank. */
  private static void reset(Tpm tpm, java.util.Set<Integer> banks, String where)
      throws IOException, AttestationException {
    try {
      tpm.pcrReset(ManifestPcr.PCR);
    } catch (Tpm.TpmError refused) {
      for (Map.Entry<Integer, byte[]> e : read(tpm, banks).entrySet()) {
        if (!MessageDigest.isEqual(e.getValue(), new byte[e.getValue().length])) {
          throw new AttestationException(
              where
                  + ": the TPM refuses to reset it ("
                  + refused.getMessage()
                  + ") and it already holds "
                  + HEX.formatHex(e.getValue())
                  + " in "
                  + TpmAlg.bankName(e.getKey())
                  + ", so it cannot show this manifest alone");
        }
      }
    }
  }

  private static Map<Integer, byte[]> read(Tpm tpm, java.util.Set<Integer> banks)
      throws IOException {
    List<PcrSelection> sel =
        banks.stream().map(b -> new PcrSelection(b, List.of(ManifestPcr.PCR), 3)).toList();
    Map<Integer, byte[]> out = new LinkedHashMap<>();
    tpm.pcrRead(sel).forEach((bank, values) -> out.put(bank, values.get(ManifestPcr.PCR)));
    return out;
  }
}
