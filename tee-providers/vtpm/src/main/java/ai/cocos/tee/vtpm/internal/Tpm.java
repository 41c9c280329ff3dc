package ai.cocos.tee.vtpm.internal;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The raw TPM 2.0 commands the vTPM provider needs to gather evidence, marshalled by hand (TPM 2.0
 * Library Part 3 rev 1.59: TPM2_CreatePrimary §24.1, TPM2_ReadPublic §12.4, TPM2_Quote §18.4,
 * TPM2_PCR_Read §22.4, TPM2_PCR_Extend §22.2, TPM2_PCR_Reset §22.8, TPM2_GetCapability §30.2,
 * TPM2_FlushContext §28.4, TPM2_NV_DefineSpace §31.3, TPM2_NV_ReadPublic §31.6, TPM2_NV_Write
 * §31.7, TPM2_NV_Read §31.13). Authorisation uses the password session TPM_RS_PW with an empty
 * password (Part 1 §19.8.4), which is what a guest's owner hierarchy and attestation keys use.
 *
 * <p>Not thread-safe: one instance per gathering.
 */
final class Tpm implements Closeable {
  static final int ST_NO_SESSIONS = 0x8001;
  static final int ST_SESSIONS = 0x8002;

  static final int CC_EVICT_CONTROL = 0x00000120;
  static final int CC_NV_UNDEFINE_SPACE = 0x00000122;
  static final int CC_NV_DEFINE_SPACE = 0x0000012A;
  static final int CC_CREATE_PRIMARY = 0x00000131;
  static final int CC_NV_WRITE = 0x00000137;
  static final int CC_NV_READ = 0x0000014E;
  static final int CC_QUOTE = 0x00000158;
  static final int CC_FLUSH_CONTEXT = 0x00000165;
  static final int CC_NV_READ_PUBLIC = 0x00000169;
  static final int CC_READ_PUBLIC = 0x00000173;
  static final int CC_PCR_READ = 0x0000017E;
  static final int CC_PCR_EXTEND = 0x00000182;
  static final int CC_PCR_RESET = 0x0000013D;
  static final int CC_GET_CAPABILITY = 0x0000017A;

  /** TPM_CAP_PCRS: the allocated PCR banks (Part 2 §6.12). */
  static final int CAP_PCRS = 0x00000005;

  /** TPM_RH_OWNER: the storage (owner) hierarchy. */
  static final int RH_OWNER = 0x40000001;

  /** TPM_RS_PW: the password authorisation session. */
  static final int RS_PW = 0x40000009;

  /** TPM_RH_ENDORSEMENT. */
  static final int RH_ENDORSEMENT = 0x4000000B;

  /** TPM_RC_NV_DEFINED format-zero code (index already defined). */
  static final int RC_NV_DEFINED = 0x14C;

  /** TPM_RC_HANDLE (format one, masked). */
  static final int RC_HANDLE = 0x08B;

  /** Bytes read or written per NV command; below every TPM's MAX_NV_BUFFER_SIZE. */
  static final int NV_CHUNK = 512;

  /** PCRs a PC Client TPM has. */
  static final int PCRS = 24;

  private final TpmTransport transport;
  private final String address;

  private Tpm(TpmTransport transport, String address) {
    this.transport = transport;
    this.address = address;
  }

  static Tpm open(String address) throws IOException {
    return new Tpm(TpmTransport.open(address), address);
  }

  /** A TPM response code other than success. */
  static final class TpmError extends IOException {
    private static final long serialVersionUID = 1L;
    final int code;

    TpmError(String command, int code) {
      super(
          command
              + " failed: TPM response code "
              + String.format(Locale.ROOT, "0x%03x", code)
              + describe(code));
      this.code = code;
    }

    /** The code with handle/parameter/session numbers masked off (format-one errors). */
    int base() {
      return (code & 0x80) != 0 ? code & 0xBF : code;
    }

    private static String describe(int rc) {
      int base = (rc & 0x80) != 0 ? rc & 0xBF : rc;
      return switch (base) {
        case 0x14C -> " (TPM_RC_NV_DEFINED: index already defined)";
        case 0x08B -> " (TPM_RC_HANDLE: no such handle)";
        case 0x08E, 0x0A2 -> " (authorisation failed: the object or hierarchy has a password)";
        case 0x149 -> " (TPM_RC_NV_AUTHORIZATION)";
        case 0x14A -> " (TPM_RC_NV_UNINITIALIZED: the index was never written)";
        case 0x101 -> " (TPM_RC_FAILURE: the TPM is in failure mode)";
        case 0x100 -> " (TPM_RC_INITIALIZE: the TPM was not started)";
        case 0x902 -> " (TPM_RC_OBJECT_MEMORY: too many loaded objects)";
        default -> "";
      };
    }
  }

  /** Key and public area of a loaded key. */
  record Loaded(int handle, byte[] publicArea) {}

  /** A quote's TPMS_ATTEST and TPMT_SIGNATURE, as returned. */
  record QuoteResult(byte[] attest, byte[] signature) {}

  /**
   * TPM2_CreatePrimary under a hierarchy with an empty password and the given template.
   *
   * @return the transient handle and the TPMT_PUBLIC the TPM returned
   */
  Loaded createPrimary(int hierarchy, byte[] template) throws IOException {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    // inSensitive: TPM2B_SENSITIVE_CREATE { size 4, userAuth empty, data empty }
    Marshal.u16(p, 4);
    Marshal.u16(p, 0);
    Marshal.u16(p, 0);
    Marshal.tpm2b(p, template); // inPublic: TPM2B_PUBLIC
    Marshal.u16(p, 0); // outsideInfo: empty TPM2B_DATA
    Marshal.u32(p, 0); // creationPCR: empty TPML_PCR_SELECTION
    Response r = call("TPM2_CreatePrimary", CC_CREATE_PRIMARY, new int[] {hierarchy}, true, p);
    int handle = (int) r.u32("objectHandle");
    r.u32("parameterSize");
    byte[] pub = r.tpm2bOrThrow("outPublic");
    return new Loaded(handle, pub);
  }

  /** TPM2_ReadPublic of a loaded or persistent object. */
  byte[] readPublic(int handle) throws IOException {
    Response r =
        call(
            "TPM2_ReadPublic",
            CC_READ_PUBLIC,
            new int[] {handle},
            false,
            new ByteArrayOutputStream());
    return r.tpm2bOrThrow("outPublic");
  }

  /** TPM2_Quote with the key's own scheme (inScheme TPM_ALG_NULL). */
  QuoteResult quote(int key, byte[] nonce, List<PcrSelection> selection) throws IOException {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    Marshal.tpm2b(p, nonce);
    Marshal.u16(p, TpmAlg.NULL);
    p.writeBytes(PcrSelection.marshalList(selection));
    Response r = call("TPM2_Quote", CC_QUOTE, new int[] {key}, true, p);
    r.u32OrThrow("parameterSize");
    byte[] attest = r.tpm2bOrThrow("quoted");
    int start = r.position();
    // TPMT_SIGNATURE has no size prefix: measure it by parsing, then slice the raw bytes.
    int alg = r.u16OrThrow("signature.sigAlg");
    r.u16OrThrow("signature.hash");
    if (alg == TpmAlg.ECDSA) {
      r.tpm2bOrThrow("signature.r");
      r.tpm2bOrThrow("signature.s");
    } else {
      r.tpm2bOrThrow("signature.sig");
    }
    return new QuoteResult(attest, r.slice(start, r.position()));
  }

  /**
   * TPM2_PCR_Read of a selection, repeated until every selected PCR was returned (a TPM returns at
   * most eight digests per call).
   *
   * @return values by bank and index, and the PCR update counter of the first read
   */
  Map<Integer, Map<Integer, byte[]>> pcrRead(List<PcrSelection> selection) throws IOException {
    Map<Integer, Map<Integer, byte[]>> out = new LinkedHashMap<>();
    for (PcrSelection bank : selection) {
      Map<Integer, byte[]> values = new TreeMap<>();
      List<Integer> left = new ArrayList<>(bank.indexes());
      while (!left.isEmpty()) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(
            PcrSelection.marshalList(
                List.of(new PcrSelection(bank.hash(), left, bank.sizeOfSelect()))));
        Response r = call("TPM2_PCR_Read", CC_PCR_READ, new int[0], false, p);
        r.u32OrThrow("pcrUpdateCounter");
        List<PcrSelection> got;
        try {
          got = PcrSelection.readList(r.cursor);
        } catch (MalformedException e) {
          throw new IOException("TPM2_PCR_Read: " + e.getMessage(), e);
        }
        long count = r.u32OrThrow("pcrValues.count");
        List<Integer> returned = got.isEmpty() ? List.of() : got.get(0).indexes();
        if (returned.size() != count || count == 0) {
          throw new IOException(
              "TPM2_PCR_Read: the TPM returned no values for bank "
                  + TpmAlg.bankName(bank.hash())
                  + " (is the bank allocated?)");
        }
        for (int i : returned) {
          values.put(i, r.tpm2bOrThrow("pcrValues.digests"));
          left.remove(Integer.valueOf(i));
        }
      }
      out.put(bank.hash(), values);
    }
    return out;
  }

  /**
   * TPM2_PCR_Extend (Part 3 §22.2): extends one PCR in the given banks, as firmware and the agent
   * (CocosAI extends PCR16 with the computation manifest) do.
   */
  void pcrExtend(int pcr, Map<Integer, byte[]> digests) throws IOException {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    Marshal.u32(p, digests.size());
    for (Map.Entry<Integer, byte[]> d : digests.entrySet()) {
      Marshal.u16(p, d.getKey());
      p.writeBytes(d.getValue());
    }
    call("TPM2_PCR_Extend", CC_PCR_EXTEND, new int[] {pcr}, true, p);
  }

  /**
   * TPM2_PCR_Reset (Part 3 §22.8): sets one PCR to zero in every bank. The PC Client profile allows
   * it for PCR16 (debug) and PCR23 (application) from any locality.
   */
  void pcrReset(int pcr) throws IOException {
    call("TPM2_PCR_Reset", CC_PCR_RESET, new int[] {pcr}, true, new ByteArrayOutputStream());
  }

  /**
   * TPM2_GetCapability(TPM_CAP_PCRS) (Part 3 §30.2): the PCRs each bank has allocated.
   *
   * @return bank (TPM_ALG_ID) to its allocated PCR indexes; banks with none are left out
   */
  Map<Integer, List<Integer>> allocatedPcrs() throws IOException {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    Marshal.u32(p, CAP_PCRS);
    Marshal.u32(p, 0); // property: unused for TPM_CAP_PCRS
    Marshal.u32(p, 1); // propertyCount
    Response r = call("TPM2_GetCapability", CC_GET_CAPABILITY, new int[0], false, p);
    try {
      r.cursor.u8("moreData");
      long cap = r.cursor.u32("capabilityData.capability");
      if (cap != CAP_PCRS) {
        throw new IOException("TPM2_GetCapability answered capability " + cap + ", asked PCRS");
      }
      Map<Integer, List<Integer>> out = new LinkedHashMap<>();
      for (PcrSelection s : PcrSelection.readList(r.cursor)) {
        if (!s.indexes().isEmpty()) {
          out.put(s.hash(), s.indexes());
        }
      }
      return out;
    } catch (MalformedException e) {
      throw new IOException("TPM2_GetCapability: " + e.getMessage(), e);
    }
  }

  /**
   * TPM2_EvictControl (Part 3 §28.5) under the owner hierarchy: makes a loaded key persistent at
   * {@code persistent} (provisioning, as a cloud's firmware does for its AK).
   */
  void evictControl(int object, int persistent) throws IOException {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    Marshal.u32(p, persistent);
    call("TPM2_EvictControl", CC_EVICT_CONTROL, new int[] {RH_OWNER, object}, true, p);
  }

  /** TPM2_FlushContext: unloads a transient object. */
  void flush(int handle) throws IOException {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    Marshal.u32(p, handle);
    call("TPM2_FlushContext", CC_FLUSH_CONTEXT, new int[0], false, p);
  }

  /** TPM2_NV_ReadPublic: the index's data size, or -1 if it does not exist. */
  int nvSize(int index) throws IOException {
    try {
      Response r =
          call(
              "TPM2_NV_ReadPublic",
              CC_NV_READ_PUBLIC,
              new int[] {index},
              false,
              new ByteArrayOutputStream());
      r.u16OrThrow("nvPublic.size");
      r.u32OrThrow("nvIndex");
      r.u16OrThrow("nameAlg");
      r.u32OrThrow("attributes");
      r.tpm2bOrThrow("authPolicy");
      return r.u16OrThrow("dataSize");
    } catch (TpmError e) {
      if (e.base() == RC_HANDLE) {
        return -1;
      }
      throw e;
    }
  }

  /** TPM2_NV_Read of a whole index, authorised by the index itself (AUTHREAD) or the owner. */
  byte[] nvRead(int index) throws IOException {
    int size = nvSize(index);
    if (size < 0) {
      throw new IOException(
          String.format(Locale.ROOT, "NV index 0x%08x is not defined on %s", index, address));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int auth = index;
    for (int off = 0; off < size; ) {
      int n = Math.min(NV_CHUNK, size - off);
      ByteArrayOutputStream p = new ByteArrayOutputStream();
      Marshal.u16(p, n);
      Marshal.u16(p, off);
      Response r;
      try {
        r = call("TPM2_NV_Read", CC_NV_READ, new int[] {auth, index}, true, p);
      } catch (TpmError e) {
        if (auth == index && off == 0) {
          auth = RH_OWNER; // the index may allow OWNERREAD only
          continue;
        }
        throw e;
      }
      r.u32OrThrow("parameterSize");
      byte[] chunk = r.tpm2bOrThrow("data");
      if (chunk.length != n) {
        throw new IOException("TPM2_NV_Read returned " + chunk.length + " bytes, asked " + n);
      }
      out.writeBytes(chunk);
      off += n;
    }
    return out.toByteArray();
  }

  /**
   * TPM2_NV_DefineSpace under the owner hierarchy: an ordinary index of {@code size} bytes that
   * owner and index authorisation may read and write.
   */
  void nvDefine(int index, int size) throws IOException {
    // TPMA_NV: OWNERWRITE(1) | AUTHWRITE(2) | OWNERREAD(17) | AUTHREAD(18) | NO_DA(25)
    long attributes = (1L << 1) | (1L << 2) | (1L << 17) | (1L << 18) | (1L << 25);
    ByteArrayOutputStream pub = new ByteArrayOutputStream();
    Marshal.u32(pub, index);
    Marshal.u16(pub, TpmAlg.SHA256);
    Marshal.u32(pub, attributes);
    Marshal.u16(pub, 0); // authPolicy
    Marshal.u16(pub, size);
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    Marshal.u16(p, 0); // auth: empty
    Marshal.tpm2b(p, pub.toByteArray());
    call("TPM2_NV_DefineSpace", CC_NV_DEFINE_SPACE, new int[] {RH_OWNER}, true, p);
  }

  /** TPM2_NV_UndefineSpace under the owner hierarchy (Part 3 §31.4). */
  void nvUndefine(int index) throws IOException {
    call(
        "TPM2_NV_UndefineSpace",
        CC_NV_UNDEFINE_SPACE,
        new int[] {RH_OWNER, index},
        true,
        new ByteArrayOutputStream());
  }

  /** TPM2_NV_Write of data at offset 0, in chunks, authorised by the owner. */
  void nvWrite(int index, byte[] data) throws IOException {
    for (int off = 0; off < data.length; off += NV_CHUNK) {
      int n = Math.min(NV_CHUNK, data.length - off);
      ByteArrayOutputStream p = new ByteArrayOutputStream();
      Marshal.u16(p, n);
      p.write(data, off, n);
      Marshal.u16(p, off);
      call("TPM2_NV_Write", CC_NV_WRITE, new int[] {RH_OWNER, index}, true, p);
    }
  }

  /** Marshals a command, sends it, checks the response code, and returns a reader after it. */
  private Response call(
      String name, int code, int[] handles, boolean auth, ByteArrayOutputStream params)
      throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (int h : handles) {
      Marshal.u32(body, h);
    }
    if (auth) {
      // One TPMS_AUTH_COMMAND per handle needing authorisation: the first (for CreatePrimary,
      // Quote, NV_Read with index auth) or the auth handle; NV commands name one auth handle.
      Marshal.u32(body, 9);
      Marshal.u32(body, RS_PW);
      Marshal.u16(body, 0); // nonceCaller
      body.write(0); // sessionAttributes
      Marshal.u16(body, 0); // hmac = empty password
    }
    body.writeBytes(params.toByteArray());
    ByteArrayOutputStream cmd = new ByteArrayOutputStream();
    Marshal.u16(cmd, auth ? ST_SESSIONS : ST_NO_SESSIONS);
    Marshal.u32(cmd, TpmTransport.HEADER + body.size());
    Marshal.u32(cmd, code);
    cmd.writeBytes(body.toByteArray());
    byte[] resp = transport.transact(cmd.toByteArray());
    Response r = new Response(name, resp);
    r.u16OrThrow("tag");
    r.u32OrThrow("responseSize");
    int rc = (int) r.u32OrThrow("responseCode");
    if (rc != 0) {
      throw new TpmError(name, rc);
    }
    return r;
  }

  /** A response reader whose failures are I/O errors naming the command. */
  private static final class Response {
    final Cursor cursor;
    final String name;
    final byte[] bytes;

    Response(String name, byte[] bytes) {
      this.name = name;
      this.bytes = bytes;
      this.cursor = new Cursor(bytes, name + " response");
    }

    int position() {
      return cursor.position();
    }

    byte[] slice(int from, int to) {
      return java.util.Arrays.copyOfRange(bytes, from, to);
    }

    long u32(String f) throws IOException {
      return u32OrThrow(f);
    }

    long u32OrThrow(String f) throws IOException {
      try {
        return cursor.u32(f);
      } catch (MalformedException e) {
        throw new IOException(e.getMessage(), e);
      }
    }

    int u16OrThrow(String f) throws IOException {
      try {
        return cursor.u16(f);
      } catch (MalformedException e) {
        throw new IOException(e.getMessage(), e);
      }
    }

    byte[] tpm2bOrThrow(String f) throws IOException {
      try {
        return cursor.tpm2b(f);
      } catch (MalformedException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
  }

  @Override
  public void close() throws IOException {
    transport.close();
  }
}
