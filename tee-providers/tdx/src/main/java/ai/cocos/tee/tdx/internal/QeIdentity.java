package ai.cocos.tee.tdx.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Intel's identity of the TD quoting enclave (Enclave Identity version 2, id "TD_QE"): the signer,
 * product, masked attributes and the TCB levels by ISV SVN. Source: Intel PCS API, "Get TDX QE
 * Identity" v4 response, enclaveIdentity schema.
 *
 * @param id "TD_QE"
 * @param version 2
 * @param issueDate when Intel issued it
 * @param nextUpdate after this it is stale
 * @param miscSelect 4 bytes, compared with the QE report's MISCSELECT under the mask
 * @param miscSelectMask 4 bytes
 * @param attributes 16 bytes
 * @param attributesMask 16 bytes
 * @param mrSigner 32 bytes
 * @param isvProdId the QE product id
 * @param levels TCB levels by ISV SVN, newest first
 */
record QeIdentity(
    String id,
    int version,
    Instant issueDate,
    Instant nextUpdate,
    byte[] miscSelect,
    byte[] miscSelectMask,
    byte[] attributes,
    byte[] attributesMask,
    byte[] mrSigner,
    int isvProdId,
    List<TcbInfo.ModuleLevel> levels)
    implements TdxVerifier.Dated {

  /**
   * Reads the parsed {@code enclaveIdentity} object.
   *
   * @param json the parsed object
   * @return the identity
   * @throws CollateralFormatException naming the malformed field
   */
  static QeIdentity parse(Object json) throws CollateralFormatException {
    Fields f = new Fields("enclaveIdentity", json);
    String id = f.string("id");
    int version = (int) f.integer("version");
    if (!"TD_QE".equals(id) || version != 2) {
      throw new CollateralFormatException(
          "QE identity is id '"
              + id
              + "' version "
              + version
              + ": the TD quoting enclave's identity (id TD_QE, version 2) is needed");
    }
    List<TcbInfo.ModuleLevel> levels = new ArrayList<>();
    List<?> l = f.list("tcbLevels");
    for (int i = 0; i < l.size(); i++) {
      Fields lv = new Fields(f.path("tcbLevels[" + i + "]"), l.get(i));
      levels.add(
          new TcbInfo.ModuleLevel(
              lv.object("tcb").svn("isvsvn"), lv.string("tcbDate"), lv.string("tcbStatus")));
    }
    return new QeIdentity(
        id,
        version,
        f.instant("issueDate"),
        f.instant("nextUpdate"),
        f.hex("miscselect", 4),
        f.hex("miscselectMask", 4),
        f.hex("attributes", 16),
        f.hex("attributesMask", 16),
        f.hex("mrsigner", 32),
        f.svn("isvprodid"),
        List.copyOf(levels));
  }
}
