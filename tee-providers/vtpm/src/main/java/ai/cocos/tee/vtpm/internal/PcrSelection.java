package ai.cocos.tee.vtpm.internal;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One TPMS_PCR_SELECTION (TPM 2.0 Library Part 2 rev 1.53, "Definition of TPMS_PCR_SELECTION
 * Structure"): a hash bank and the PCR indexes selected in it, ascending. A TPML_PCR_SELECTION
 * (Table 2:108) is a list of these, in the order the TPM concatenates the values for the quote's
 * pcrDigest.
 *
 * @param hash the bank's TPM_ALG_ID
 * @param indexes the selected PCR indexes, ascending
 * @param sizeOfSelect the bitmap size in bytes, as marshalled (kept so re-marshalling is exact)
 */
public record PcrSelection(int hash, List<Integer> indexes, int sizeOfSelect) {
  /** Largest bitmap accepted: 32 bytes = 256 PCRs, far above any TPM's 24. */
  static final int MAX_SIZE_OF_SELECT = 32;

  /** Largest TPML_PCR_SELECTION count accepted (one per bank; HASH_COUNT is at most a handful). */
  static final int MAX_BANKS = 16;

  /** Validates and copies. */
  public PcrSelection {
    indexes = List.copyOf(indexes);
  }

  /**
   * Reads a TPML_PCR_SELECTION: {@code UINT32 count}, then per bank {@code TPMI_ALG_HASH hash,
   * UINT8 sizeofSelect, BYTE pcrSelect[sizeofSelect]} where bit {@code i} of byte {@code j} selects
   * PCR {@code 8j+i}.
   */
  static List<PcrSelection> readList(Cursor in) throws MalformedException {
    long count = in.u32("TPML_PCR_SELECTION.count");
    if (count > MAX_BANKS) {
      throw new MalformedException("TPML_PCR_SELECTION.count is " + count + ", at most 16 allowed");
    }
    List<PcrSelection> out = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      int hash = in.u16("TPMS_PCR_SELECTION.hash");
      int size = in.u8("TPMS_PCR_SELECTION.sizeofSelect");
      if (size > MAX_SIZE_OF_SELECT) {
        throw new MalformedException(
            "TPMS_PCR_SELECTION.sizeofSelect is " + size + ", at most 32 allowed");
      }
      byte[] bitmap = in.bytes(size, "TPMS_PCR_SELECTION.pcrSelect");
      List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < size * 8; i++) {
        if ((bitmap[i / 8] & (1 << (i % 8))) != 0) {
          idx.add(i);
        }
      }
      out.add(new PcrSelection(hash, idx, size));
    }
    return out;
  }

  /** Marshals a TPML_PCR_SELECTION, as the TPM commands PCR_Read and Quote take it. */
  static byte[] marshalList(List<PcrSelection> list) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Marshal.u32(out, list.size());
    for (PcrSelection s : list) {
      Marshal.u16(out, s.hash());
      byte[] bitmap = new byte[s.sizeOfSelect()];
      for (int i : s.indexes()) {
        bitmap[i / 8] |= (byte) (1 << (i % 8));
      }
      out.write(s.sizeOfSelect());
      out.writeBytes(bitmap);
    }
    return out.toByteArray();
  }
}
