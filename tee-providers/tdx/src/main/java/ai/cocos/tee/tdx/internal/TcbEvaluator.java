package ai.cocos.tee.tdx.internal;

import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The TCB status of a TDX platform, computed as Intel's DCAP Quote Verification Library does (QVL
 * {@code TcbLevelCheck.cpp}, {@code TdxModuleCheck.cpp}, {@code TDRelaunchCheck.cpp}, {@code
 * EnclaveReportVerifier.cpp}; spec: Intel "TDX DCAP Quote Verification" 4.1.2.4.17).
 *
 * <ol>
 *   <li>Platform level: the first TCB level (Intel lists them newest first) whose 16 SGX components
 *       and PCE SVN are all at most the PCK certificate's, and whose 16 TDX components are at most
 *       TEE_TCB_SVN's (bytes 0 and 1 are skipped when the module version, TEE_TCB_SVN[1], is not
 *       zero: the module identity covers them).
 *   <li>Module identity: for a module version other than zero, the identity {@code TDX_<version as
 *       2 hex digits>} and its first level whose ISV SVN is at most TEE_TCB_SVN[0]. The platform
 *       status is kept and only lowered to OutOfDate(ConfigurationNeeded) when the module level is
 *       OutOfDate, or to Revoked when it is Revoked.
 *   <li>For TDX 1.5 bodies, whether a relaunch would fix an out-of-date module (TEE_TCB_SVN_2).
 *   <li>Converged with the QE identity status: an out-of-date QE makes the result OutOfDate, a
 *       revoked QE makes it Revoked.
 * </ol>
 */
final class TcbEvaluator {
  private TcbEvaluator() {}

  /**
   * The outcome.
   *
   * @param status the converged status
   * @param platformLevel the matched platform level, or {@code null}
   * @param moduleLevel the matched module identity level, or {@code null}
   * @param detail one sentence for people on how the status came about
   */
  record Result(
      TcbStatus status,
      TcbInfo.Level platformLevel,
      TcbInfo.ModuleLevel moduleLevel,
      String detail) {
    List<String> advisoryIds() {
      return platformLevel == null ? List.of() : platformLevel.advisoryIds();
    }
  }

  /**
   * Evaluates the QE report against the QE identity (QVL EnclaveReportVerifier, 4.1.2.9.5-10).
   *
   * @param id the QE identity
   * @param qe the QE report
   * @return {@code null} if the report matches the identity and a level; otherwise a sentence
   *     naming the mismatch
   */
  static String qeIdentityMismatch(QeIdentity id, EnclaveReport qe) {
    if (!masked(qe.miscSelect(), id.miscSelectMask(), id.miscSelect())) {
      return "QE MISCSELECT "
          + hex(qe.miscSelect())
          + " under mask "
          + hex(id.miscSelectMask())
          + " is not "
          + hex(id.miscSelect());
    }
    if (!masked(qe.attributes(), id.attributesMask(), id.attributes())) {
      return "QE ATTRIBUTES "
          + hex(qe.attributes())
          + " under mask "
          + hex(id.attributesMask())
          + " is not "
          + hex(id.attributes());
    }
    if (!java.util.Arrays.equals(qe.mrSigner(), id.mrSigner())) {
      return "QE MRSIGNER " + hex(qe.mrSigner()) + " is not Intel's " + hex(id.mrSigner());
    }
    if (qe.isvProdId() != id.isvProdId()) {
      return "QE ISVPRODID " + qe.isvProdId() + " is not " + id.isvProdId();
    }
    return null;
  }

  /**
   * The QE's TCB status from its ISV SVN (first level whose ISV SVN the QE reaches).
   *
   * @param id the QE identity
   * @param qe the QE report
   * @return the level's status; {@link TcbStatus#NOT_SUPPORTED} if no level matches
   */
  static TcbStatus qeStatus(QeIdentity id, EnclaveReport qe) {
    for (TcbInfo.ModuleLevel l : id.levels()) {
      if (qe.isvSvn() >= l.isvSvn()) {
        TcbStatus s = TcbStatus.of(l.status());
        // QVL: anything but UpToDate is OutOfDate unless it is Revoked.
        return s == TcbStatus.UP_TO_DATE || s == TcbStatus.REVOKED ? s : TcbStatus.OUT_OF_DATE;
      }
    }
    return TcbStatus.NOT_SUPPORTED;
  }

  /**
   * Checks the TDX module's signer and attributes against the TCB info (4.1.2.4.11).
   *
   * @param info the TCB info
   * @param quoteVersion the quote version
   * @param body the TD report
   * @return {@code null} if they match, else a sentence naming the mismatch
   */
  static String moduleIdentityMismatch(TcbInfo info, int quoteVersion, TdReport body) {
    int moduleVersion = body.teeTcbSvn()[1] & 0xff;
    TcbInfo.ModuleIdentity expected = info.tdxModule();
    if (quoteVersion > 3 && moduleVersion > 0) {
      expected = findModule(info, moduleVersion);
      if (expected == null) {
        return "the TCB info has no module identity " + moduleId(moduleVersion);
      }
    }
    if (!java.util.Arrays.equals(body.mrSignerSeam(), expected.mrSigner())) {
      return "MRSIGNERSEAM "
          + hex(body.mrSignerSeam())
          + " is not the TCB info's "
          + hex(expected.mrSigner());
    }
    byte[] attrs = body.seamAttributes();
    for (int i = 0; i < attrs.length; i++) {
      // QVL requires the SEAM attributes to be zero and equal to the identity's.
      if (attrs[i] != 0 || attrs[i] != expected.attributes()[i]) {
        return "SEAMATTRIBUTES "
            + hex(attrs)
            + " are not zero and equal to the TCB info's "
            + hex(expected.attributes());
      }
    }
    return null;
  }

  /**
   * Computes the platform's TCB status.
   *
   * @param info the TCB info (already verified)
   * @param pck the PCK certificate's TCB
   * @param quoteVersion 4 or 5
   * @param body the TD report
   * @param qeStatus the QE identity's status, or {@code null} if no QE identity was evaluated
   * @return the status with how it came about
   */
  static Result evaluate(
      TcbInfo info, PckExtensions pck, int quoteVersion, TdReport body, TcbStatus qeStatus) {
    byte[] tee = body.teeTcbSvn();
    TcbInfo.Level sgxLevel = null;
    TcbInfo.Level tdxLevel = null;
    for (TcbInfo.Level level : info.levels()) {
      if (cpuSvnAtLeast(pck.sgxTcbComponents(), level.sgxComponents())
          && pck.pceSvn() >= level.pceSvn()) {
        if (sgxLevel == null) {
          sgxLevel = level;
        }
        if (tdxAtLeast(tee, level.tdxComponents())) {
          tdxLevel = level;
          break;
        }
      }
    }
    if (sgxLevel == null) {
      return new Result(
          TcbStatus.NOT_SUPPORTED,
          null,
          null,
          "no TCB level accepts the PCK's SGX TCB components "
              + svns(pck.sgxTcbComponents())
              + " with PCE SVN "
              + pck.pceSvn());
    }
    if (tdxLevel == null) {
      return new Result(
          TcbStatus.NOT_SUPPORTED,
          null,
          null,
          "no TCB level accepts TEE_TCB_SVN " + hex(tee) + " together with the PCK's SGX TCB");
    }
    TcbStatus sgxStatus = TcbStatus.of(sgxLevel.status());
    TcbStatus levelStatus = TcbStatus.of(tdxLevel.status());

    // Module identity (TdxModuleCheck.cpp: checkTdxModuleTcbStatus).
    int moduleVersion = tee[1] & 0xff;
    int moduleSvn = tee[0] & 0xff;
    TcbStatus moduleStatus = TcbStatus.UP_TO_DATE;
    TcbInfo.ModuleLevel moduleLevel = null;
    if (!(quoteVersion > 3 && moduleVersion == 0)) {
      TcbInfo.ModuleIdentity identity = findModule(info, moduleVersion);
      if (identity == null) {
        return new Result(
            TcbStatus.TDX_MODULE_MISMATCH,
            tdxLevel,
            null,
            "the TCB info has no module identity " + moduleId(moduleVersion));
      }
      for (TcbInfo.ModuleLevel l : identity.levels()) {
        if (moduleSvn >= l.isvSvn()) {
          moduleLevel = l;
          break;
        }
      }
      if (moduleLevel == null) {
        return new Result(
            TcbStatus.NOT_SUPPORTED,
            tdxLevel,
            null,
            "no level of module identity "
                + identity.id()
                + " accepts module ISV SVN "
                + moduleSvn);
      }
      moduleStatus = TcbStatus.of(moduleLevel.status());
    }
    TcbStatus status = convergeWithModule(levelStatus, moduleStatus);
    if (status == TcbStatus.REVOKED) {
      return new Result(status, tdxLevel, moduleLevel, describe(tdxLevel, moduleLevel, qeStatus));
    }
    if (body.bodyType() == QuoteFormat.BODY_TYPE_TD15) {
      status = relaunch(body.teeTcbSvn2(), info, sgxStatus, status, moduleStatus, qeStatus);
    }
    if (qeStatus != null) {
      status = convergeWithQe(status, qeStatus);
    }
    return new Result(status, tdxLevel, moduleLevel, describe(tdxLevel, moduleLevel, qeStatus));
  }

  private static String describe(
      TcbInfo.Level level, TcbInfo.ModuleLevel module, TcbStatus qeStatus) {
    StringBuilder b =
        new StringBuilder("platform level ")
            .append(level.status())
            .append(" (tcbDate ")
            .append(level.tcbDate())
            .append(")");
    if (module != null) {
      b.append(", module level ")
          .append(module.status())
          .append(" (ISV SVN ")
          .append(module.isvSvn())
          .append(")");
    }
    if (qeStatus != null) {
      b.append(", QE ").append(qeStatus.label());
    }
    if (!level.advisoryIds().isEmpty()) {
      b.append(", advisories ").append(String.join(",", level.advisoryIds()));
    }
    return b.toString();
  }

  static TcbStatus convergeWithModule(TcbStatus level, TcbStatus module) {
    if (module == TcbStatus.OUT_OF_DATE) {
      if (level == TcbStatus.UP_TO_DATE || level == TcbStatus.SW_HARDENING_NEEDED) {
        return TcbStatus.OUT_OF_DATE;
      }
      if (level == TcbStatus.CONFIGURATION_NEEDED
          || level == TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED) {
        return TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED;
      }
    }
    if (module == TcbStatus.REVOKED) {
      return TcbStatus.REVOKED;
    }
    return level.ordinal() <= TcbStatus.REVOKED.ordinal() ? level : TcbStatus.UNRECOGNIZED;
  }

  static TcbStatus convergeWithQe(TcbStatus status, TcbStatus qe) {
    if (qe == TcbStatus.OUT_OF_DATE) {
      if (status == TcbStatus.UP_TO_DATE || status == TcbStatus.SW_HARDENING_NEEDED) {
        return TcbStatus.OUT_OF_DATE;
      }
      if (status == TcbStatus.CONFIGURATION_NEEDED
          || status == TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED) {
        return TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED;
      }
    }
    if (qe == TcbStatus.REVOKED) {
      return TcbStatus.REVOKED;
    }
    if (qe == TcbStatus.NOT_SUPPORTED) {
      return TcbStatus.NOT_SUPPORTED;
    }
    return status;
  }

  /** QVL TDRelaunchCheck.cpp, for TDX 1.5 bodies. */
  private static TcbStatus relaunch(
      byte[] tee2, TcbInfo info, TcbStatus sgx, TcbStatus tdx, TcbStatus module, TcbStatus qe) {
    if (qe == TcbStatus.OUT_OF_DATE || qe == TcbStatus.REVOKED || qe == TcbStatus.NOT_SUPPORTED) {
      return tdx;
    }
    boolean sgxFine =
        sgx == TcbStatus.UP_TO_DATE
            || sgx == TcbStatus.SW_HARDENING_NEEDED
            || sgx == TcbStatus.CONFIGURATION_NEEDED
            || sgx == TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED;
    boolean tdxOutdated =
        tdx == TcbStatus.OUT_OF_DATE || tdx == TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED;
    if (!sgxFine || !tdxOutdated || module != TcbStatus.OUT_OF_DATE) {
      return tdx;
    }
    TcbInfo.Level latest = info.levels().get(0);
    int svn0 = tee2[0] & 0xff;
    int svn2 = tee2[2] & 0xff;
    boolean fixed;
    if ((tee2[1] & 0xff) == 0) {
      fixed = svn0 >= latest.tdxComponents()[0] && svn2 >= latest.tdxComponents()[2];
    } else {
      TcbInfo.ModuleIdentity id2 = findModule(info, tee2[1] & 0xff);
      if (id2 == null) {
        return TcbStatus.TDX_MODULE_MISMATCH;
      }
      if (id2.levels().isEmpty()) {
        return TcbStatus.NOT_SUPPORTED;
      }
      fixed = svn0 >= id2.levels().get(0).isvSvn() && svn2 >= latest.tdxComponents()[2];
    }
    if (!fixed) {
      return tdx;
    }
    return sgx.configurationNeeded() || tdx.configurationNeeded()
        ? TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
        : TcbStatus.TD_RELAUNCH_ADVISED;
  }

  static TcbInfo.ModuleIdentity findModule(TcbInfo info, int version) {
    String want = moduleId(version);
    for (TcbInfo.ModuleIdentity m : info.moduleIdentities()) {
      if (m.id().toUpperCase(Locale.ROOT).equals(want)) {
        return m;
      }
    }
    return null;
  }

  static String moduleId(int version) {
    return String.format("TDX_%02X", version);
  }

  private static boolean cpuSvnAtLeast(int[] have, int[] need) {
    for (int i = 0; i < TcbInfo.COMPONENTS; i++) {
      if (have[i] < need[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean tdxAtLeast(byte[] tee, int[] need) {
    // QVL isTdxTcbHigherOrEqual: a non-zero module version hands bytes 0 and 1 to the module check.
    int start = (tee[1] & 0xff) > 0 ? 2 : 0;
    for (int i = start; i < TcbInfo.COMPONENTS; i++) {
      if ((tee[i] & 0xff) < need[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean masked(byte[] value, byte[] mask, byte[] expected) {
    for (int i = 0; i < value.length; i++) {
      if ((value[i] & mask[i]) != expected[i]) {
        return false;
      }
    }
    return true;
  }

  static String svns(int[] v) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < v.length; i++) {
      b.append(i == 0 ? "" : ",").append(v[i]);
    }
    return b.toString();
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
