package ai.cocos.tee.tdx.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Intel's TDX TCB Info (version 3, id "TDX"): which TCB levels exist for one FMSPC and what status
 * each has. Source: Intel PCS API, "Get TDX TCB Info" v4 response, tcbInfo schema.
 *
 * @param id "TDX"
 * @param version 3
 * @param issueDate when Intel issued it
 * @param nextUpdate after this the information is stale
 * @param fmspc upper- or lower-case hex as Intel wrote it
 * @param pceId hex
 * @param tcbEvaluationDataNumber Intel's TCB recovery counter
 * @param tdxModule the TDX module signer and attributes (used when the module version is 0)
 * @param moduleIdentities per module version ("TDX_01", ...), with their own TCB levels
 * @param levels TCB levels, newest first
 */
record TcbInfo(
    String id,
    int version,
    Instant issueDate,
    Instant nextUpdate,
    String fmspc,
    String pceId,
    long tcbEvaluationDataNumber,
    ModuleIdentity tdxModule,
    List<ModuleIdentity> moduleIdentities,
    List<Level> levels)
    implements TdxVerifier.Dated {

  /** Number of SGX and TDX TCB components in a level. */
  static final int COMPONENTS = 16;

  /**
   * The TDX module's expected signer and attributes, and for a module identity its TCB levels.
   *
   * @param id "TDX_01" etc., empty for the base {@code tdxModule}
   * @param mrSigner 48 bytes
   * @param attributes 8 bytes
   * @param attributesMask 8 bytes
   * @param levels the identity's TCB levels by ISV SVN, newest first (empty for the base)
   */
  record ModuleIdentity(
      String id,
      byte[] mrSigner,
      byte[] attributes,
      byte[] attributesMask,
      List<ModuleLevel> levels) {}

  /**
   * A TCB level of a TDX module identity.
   *
   * @param isvSvn the minimum module ISV SVN (TEE_TCB_SVN[0])
   * @param tcbDate the date Intel gives the level
   * @param status the TCB status string
   */
  record ModuleLevel(int isvSvn, String tcbDate, String status) {}

  /**
   * A platform TCB level.
   *
   * @param sgxComponents 16 SGX TCB component SVNs
   * @param pceSvn the PCE SVN
   * @param tdxComponents 16 TDX TCB component SVNs
   * @param tcbDate the date Intel gives the level
   * @param status the TCB status string
   * @param advisoryIds Intel security advisories that apply
   */
  record Level(
      int[] sgxComponents,
      int pceSvn,
      int[] tdxComponents,
      String tcbDate,
      String status,
      List<String> advisoryIds) {}

  /**
   * Reads the parsed {@code tcbInfo} object.
   *
   * @param json the parsed object (maps, lists, strings, longs)
   * @return the TCB info
   * @throws CollateralFormatException naming the malformed field
   */
  static TcbInfo parse(Object json) throws CollateralFormatException {
    Fields f = new Fields("tcbInfo", json);
    String id = f.string("id");
    int version = (int) f.integer("version");
    if (!"TDX".equals(id) || version != 3) {
      throw new CollateralFormatException(
          "TCB info is id '"
              + id
              + "' version "
              + version
              + ": a TDX TCB info (id TDX, version 3) is needed");
    }
    ModuleIdentity base = module(f.object("tdxModule"), "", false);
    List<ModuleIdentity> identities = new ArrayList<>();
    if (f.has("tdxModuleIdentities")) {
      List<?> l = f.list("tdxModuleIdentities");
      for (int i = 0; i < l.size(); i++) {
        Fields m = new Fields(f.path("tdxModuleIdentities[" + i + "]"), l.get(i));
        identities.add(module(m, m.string("id"), true));
      }
    }
    List<Level> levels = new ArrayList<>();
    List<?> l = f.list("tcbLevels");
    for (int i = 0; i < l.size(); i++) {
      Fields lv = new Fields(f.path("tcbLevels[" + i + "]"), l.get(i));
      Fields tcb = lv.object("tcb");
      levels.add(
          new Level(
              components(tcb, "sgxtcbcomponents"),
              tcb.svn("pcesvn"),
              components(tcb, "tdxtcbcomponents"),
              lv.string("tcbDate"),
              lv.string("tcbStatus"),
              lv.strings("advisoryIDs")));
    }
    if (levels.isEmpty()) {
      throw new CollateralFormatException("tcbInfo.tcbLevels is empty");
    }
    return new TcbInfo(
        id,
        version,
        f.instant("issueDate"),
        f.instant("nextUpdate"),
        f.string("fmspc"),
        f.string("pceId"),
        f.integer("tcbEvaluationDataNumber"),
        base,
        List.copyOf(identities),
        List.copyOf(levels));
  }

  private static ModuleIdentity module(Fields m, String id, boolean withLevels)
      throws CollateralFormatException {
    List<ModuleLevel> levels = new ArrayList<>();
    if (withLevels) {
      List<?> l = m.list("tcbLevels");
      for (int i = 0; i < l.size(); i++) {
        Fields lv = new Fields(m.path("tcbLevels[" + i + "]"), l.get(i));
        levels.add(
            new ModuleLevel(
                lv.object("tcb").svn("isvsvn"), lv.string("tcbDate"), lv.string("tcbStatus")));
      }
    }
    return new ModuleIdentity(
        id,
        m.hex("mrsigner", 48),
        m.hex("attributes", 8),
        m.hex("attributesMask", 8),
        List.copyOf(levels));
  }

  private static int[] components(Fields tcb, String name) throws CollateralFormatException {
    List<?> l = tcb.list(name);
    if (l.size() != COMPONENTS) {
      throw new CollateralFormatException(
          tcb.path(name) + " has " + l.size() + " components, " + COMPONENTS + " expected");
    }
    int[] out = new int[COMPONENTS];
    for (int i = 0; i < COMPONENTS; i++) {
      out[i] = new Fields(tcb.path(name + "[" + i + "]"), l.get(i)).svn("svn");
    }
    return out;
  }
}
