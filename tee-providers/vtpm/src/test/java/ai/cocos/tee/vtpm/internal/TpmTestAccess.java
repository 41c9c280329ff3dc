package ai.cocos.tee.vtpm.internal;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Lets tests outside this package drive a real TPM the way firmware and a cloud's provisioning do:
 * extend PCRs, create and persist a key, write NV indexes.
 */
public final class TpmTestAccess {
  private TpmTestAccess() {}

  /**
   * Replays firmware's extends into the TPM.
   *
   * @param address the TPM
   * @param log the log whose extends to make
   * @throws IOException on TPM errors
   */
  public static void extend(String address, EventLogBuilder log) throws IOException {
    try (Tpm tpm = Tpm.open(address)) {
      for (Map.Entry<Integer, Map<Integer, byte[]>> e : log.extendsMade()) {
        tpm.pcrExtend(e.getKey(), e.getValue());
      }
    }
  }

  /**
   * Creates the RSA AK primary (go-tpm-tools template) and persists it.
   *
   * @param address the TPM
   * @param handle the persistent handle
   * @return the AK's TPMT_PUBLIC
   * @throws IOException on TPM errors
   */
  public static byte[] persistRsaAk(String address, int handle) throws IOException {
    try (Tpm tpm = Tpm.open(address)) {
      Tpm.Loaded k = tpm.createPrimary(Tpm.RH_OWNER, AkTemplate.RSA.marshal());
      tpm.evictControl(k.handle(), handle);
      tpm.flush(k.handle());
      return k.publicArea();
    }
  }

  /**
   * Defines (if needed) and writes an NV index.
   *
   * @param address the TPM
   * @param index the index
   * @param data the contents (also the index's size)
   * @throws IOException on TPM errors
   */
  public static void writeNv(String address, int index, byte[] data) throws IOException {
    try (Tpm tpm = Tpm.open(address)) {
      if (tpm.nvSize(index) < 0) {
        tpm.nvDefine(index, data.length);
      }
      tpm.nvWrite(index, data);
    }
  }

  /**
   * Reads an NV index.
   *
   * @param address the TPM
   * @param index the index
   * @return its contents
   * @throws IOException on TPM errors
   */
  public static byte[] readNv(String address, int index) throws IOException {
    try (Tpm tpm = Tpm.open(address)) {
      return tpm.nvRead(index);
    }
  }

  /**
   * The banks the TPM has allocated, of SHA-1/256/384 (probed by reading PCR0).
   *
   * @param address the TPM
   * @return TPM_ALG_IDs
   * @throws IOException on TPM errors
   */
  public static List<Integer> banks(String address) throws IOException {
    List<Integer> out = new java.util.ArrayList<>();
    try (Tpm tpm = Tpm.open(address)) {
      for (int b : List.of(TpmAlg.SHA1, TpmAlg.SHA256, TpmAlg.SHA384)) {
        try {
          tpm.pcrRead(List.of(new PcrSelection(b, List.of(0), 3)));
          out.add(b);
        } catch (IOException e) {
          // not allocated
        }
      }
    }
    return out;
  }
}
