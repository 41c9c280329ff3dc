package ai.cocos.tee.tdx.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.cocos.attestation.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * TCB status as Intel's QVL computes it: on the real TCB infos of the vectors, and on small TCB
 * infos built here to separate QVL's rules from go-tdx-guest's (which the vectors do not).
 */
class TcbEvaluatorTest {
  private static final int[] ZERO = new int[16];

  private static TcbInfo vectorTcbInfo(String file) throws Exception {
    Map<?, ?> body = (Map<?, ?>) Json.parse(new String(Vectors.read(file), StandardCharsets.UTF_8));
    return TcbInfo.parse(body.get("tcbInfo"));
  }

  private static PckExtensions pck(int[] sgx, int pceSvn) {
    return new PckExtensions(new byte[16], sgx, pceSvn, new byte[16], new byte[2], new byte[6], 1);
  }

  private static TdReport body(int bodyType, int[] tee, int[] tee2) throws Exception {
    TdReport b = QuoteParser.parse(Vectors.read("tdx/v5-go-tdx-guest/quote.dat")).body();
    return new TdReport(
        bodyType,
        bytes(tee),
        b.mrSeam(),
        b.mrSignerSeam(),
        b.seamAttributes(),
        b.tdAttributes(),
        b.xfam(),
        b.mrTd(),
        b.mrConfigId(),
        b.mrOwner(),
        b.mrOwnerConfig(),
        b.rtmrs(),
        b.reportData(),
        tee2 == null ? null : bytes(tee2),
        b.mrServiceTd());
  }

  private static byte[] bytes(int[] v) {
    byte[] b = new byte[16];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  private static int[] svn(int... first) {
    return Arrays.copyOf(first, 16);
  }

  private static TcbInfo.Level level(int[] sgx, int pce, int[] tdx, String status) {
    return new TcbInfo.Level(sgx, pce, tdx, "2024-01-01T00:00:00Z", status, List.of());
  }

  private static TcbInfo info(List<TcbInfo.Level> levels, TcbInfo.ModuleIdentity... modules) {
    TcbInfo.ModuleIdentity base =
        new TcbInfo.ModuleIdentity("", new byte[48], new byte[8], new byte[8], List.of());
    return new TcbInfo(
        "TDX", 3, Instant.EPOCH, Instant.EPOCH, "00", "0000", 1, base, List.of(modules), levels);
  }

  private static TcbInfo.ModuleIdentity module(String id, TcbInfo.ModuleLevel... levels) {
    return new TcbInfo.ModuleIdentity(id, new byte[48], new byte[8], new byte[8], List.of(levels));
  }

  private static TcbInfo.ModuleLevel moduleLevel(int isvSvn, String status) {
    return new TcbInfo.ModuleLevel(isvSvn, "2024-01-01T00:00:00Z", status);
  }

  @Test
  void v5VectorIsUpToDateThroughModuleTdx01() throws Exception {
    TcbInfo info = vectorTcbInfo("tdx/v5-go-tdx-guest/collateral/tcb_info.json");
    Quote q = QuoteParser.parse(Vectors.read("tdx/v5-go-tdx-guest/quote.dat"));
    PckExtensions pck =
        PckExtensions.of(ai.cocos.attestation.Certs.read(q.signature().certificationData()).get(0));
    TcbEvaluator.Result r = TcbEvaluator.evaluate(info, pck, 5, q.body(), null);
    assertEquals(TcbStatus.UP_TO_DATE, r.status(), r.detail());
    assertEquals("2024-11-13T00:00:00Z", r.platformLevel().tcbDate());
    assertEquals(6, r.moduleLevel().isvSvn());
    assertNull(TcbEvaluator.moduleIdentityMismatch(info, 5, q.body()));
  }

  @Test
  void platformLevelStatusIsKeptWhenTheModuleIsUpToDate() throws Exception {
    // QVL keeps the matched platform level (OutOfDate here); go-tdx-guest would return the module
    // identity's level (UpToDate). This is the case the vectors README says separates them.
    TcbInfo info =
        info(
            List.of(
                level(ZERO, 0, svn(0, 0, 5), "UpToDate"),
                level(ZERO, 0, svn(0, 0, 3), "OutOfDate")),
            module("TDX_01", moduleLevel(4, "UpToDate")));
    TcbEvaluator.Result r =
        TcbEvaluator.evaluate(info, pck(ZERO, 0), 4, body(2, svn(5, 1, 3), null), null);
    assertEquals(TcbStatus.OUT_OF_DATE, r.status(), r.detail());
  }

  @Test
  void moduleStatusLowersThePlatformStatus() throws Exception {
    for (String[] c :
        new String[][] {
          {"UpToDate", "OutOfDate", "OutOfDate"},
          {"SWHardeningNeeded", "OutOfDate", "OutOfDate"},
          {"ConfigurationNeeded", "OutOfDate", "OutOfDateConfigurationNeeded"},
          {"ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded"},
          {"UpToDate", "Revoked", "Revoked"},
          {"SWHardeningNeeded", "UpToDate", "SWHardeningNeeded"},
        }) {
      TcbInfo info =
          info(
              List.of(level(ZERO, 0, ZERO, c[0])),
              module("TDX_01", moduleLevel(9, "UpToDate"), moduleLevel(0, c[1])));
      TcbEvaluator.Result r =
          TcbEvaluator.evaluate(info, pck(ZERO, 0), 4, body(2, svn(3, 1), null), null);
      assertEquals(c[2], r.status().label(), String.join(" + ", c));
    }
  }

  @Test
  void qeStatusConverges() throws Exception {
    TcbInfo info = info(List.of(level(ZERO, 0, ZERO, "UpToDate")));
    TdReport b = body(2, svn(3, 0), null);
    assertEquals(
        TcbStatus.OUT_OF_DATE,
        TcbEvaluator.evaluate(info, pck(ZERO, 0), 4, b, TcbStatus.OUT_OF_DATE).status());
    assertEquals(
        TcbStatus.REVOKED,
        TcbEvaluator.evaluate(info, pck(ZERO, 0), 4, b, TcbStatus.REVOKED).status());
    assertEquals(
        TcbStatus.NOT_SUPPORTED,
        TcbEvaluator.evaluate(info, pck(ZERO, 0), 4, b, TcbStatus.NOT_SUPPORTED).status());
  }

  @Test
  void noLevelOrNoModuleIdentityIsNeverAStatusIntelDefines() throws Exception {
    TcbInfo info = info(List.of(level(svn(5), 0, ZERO, "UpToDate")));
    TcbEvaluator.Result low =
        TcbEvaluator.evaluate(info, pck(svn(4), 0), 4, body(2, ZERO, null), null);
    assertEquals(TcbStatus.NOT_SUPPORTED, low.status());
    TcbInfo pce = info(List.of(level(ZERO, 12, ZERO, "UpToDate")));
    assertEquals(
        TcbStatus.NOT_SUPPORTED,
        TcbEvaluator.evaluate(pce, pck(ZERO, 11), 4, body(2, ZERO, null), null).status());
    TcbInfo noModule = info(List.of(level(ZERO, 0, ZERO, "UpToDate")));
    assertEquals(
        TcbStatus.TDX_MODULE_MISMATCH,
        TcbEvaluator.evaluate(noModule, pck(ZERO, 0), 4, body(2, svn(1, 2), null), null).status());
    TcbInfo moduleTooOld =
        info(
            List.of(level(ZERO, 0, ZERO, "UpToDate")),
            module("TDX_02", moduleLevel(5, "UpToDate")));
    assertEquals(
        TcbStatus.NOT_SUPPORTED,
        TcbEvaluator.evaluate(moduleTooOld, pck(ZERO, 0), 4, body(2, svn(4, 2), null), null)
            .status());
  }

  @Test
  void moduleVersionZeroComparesAllTdxComponents() throws Exception {
    // Version 0: bytes 0 and 1 are compared with the level (no module identity involved).
    TcbInfo info =
        info(List.of(level(ZERO, 0, svn(7), "UpToDate"), level(ZERO, 0, ZERO, "OutOfDate")));
    assertEquals(
        TcbStatus.OUT_OF_DATE,
        TcbEvaluator.evaluate(info, pck(ZERO, 0), 4, body(2, svn(6, 0), null), null).status());
    assertEquals(
        TcbStatus.UP_TO_DATE,
        TcbEvaluator.evaluate(info, pck(ZERO, 0), 4, body(2, svn(7, 0), null), null).status());
  }

  @Test
  void tdx15RelaunchIsAdvisedWhenTheLaunchModuleIsBehind() throws Exception {
    TcbInfo info =
        info(
            List.of(
                level(ZERO, 0, svn(0, 0, 5), "UpToDate"),
                level(ZERO, 0, svn(0, 0, 3), "OutOfDate")),
            module("TDX_01", moduleLevel(8, "UpToDate"), moduleLevel(0, "OutOfDate")));
    // Running on module ISV SVN 5 (out of date); the platform now runs 8 and TDX component 5.
    TcbEvaluator.Result r =
        TcbEvaluator.evaluate(info, pck(ZERO, 0), 5, body(3, svn(5, 1, 3), svn(8, 1, 5)), null);
    assertEquals(TcbStatus.TD_RELAUNCH_ADVISED, r.status(), r.detail());
    // Without the update on the platform, it stays OutOfDate.
    assertEquals(
        TcbStatus.OUT_OF_DATE,
        TcbEvaluator.evaluate(info, pck(ZERO, 0), 5, body(3, svn(5, 1, 3), svn(5, 1, 3)), null)
            .status());
  }

  @Test
  void qeIdentityMasksAndMismatchesAreNamed() throws Exception {
    Map<?, ?> body =
        (Map<?, ?>)
            Json.parse(
                new String(
                    Vectors.read("tdx/v4-spr-go-tdx-guest/collateral/qe_identity.json"),
                    StandardCharsets.UTF_8));
    QeIdentity id = QeIdentity.parse(body.get("enclaveIdentity"));
    EnclaveReport qe =
        QuoteParser.parse(Vectors.read("tdx/v4-spr-go-tdx-guest/quote.dat")).signature().qeReport();
    assertNull(TcbEvaluator.qeIdentityMismatch(id, qe));
    assertEquals(TcbStatus.UP_TO_DATE, TcbEvaluator.qeStatus(id, qe));
    byte[] raw = qe.raw().clone();
    raw[QuoteFormat.ER_ISV_SVN] = 3;
    assertEquals(
        TcbStatus.NOT_SUPPORTED, TcbEvaluator.qeStatus(id, QuoteParser.enclaveReport(raw)));
    raw = qe.raw().clone();
    raw[QuoteFormat.ER_MR_SIGNER] ^= 1;
    assertEquals(
        true,
        TcbEvaluator.qeIdentityMismatch(id, QuoteParser.enclaveReport(raw))
            .startsWith("QE MRSIGNER"));
    raw = qe.raw().clone();
    raw[QuoteFormat.ER_ATTRIBUTES] ^= 0x04; // bit 2 is outside the mask: ignored
    assertNull(TcbEvaluator.qeIdentityMismatch(id, QuoteParser.enclaveReport(raw)));
    raw[QuoteFormat.ER_ATTRIBUTES] ^= 0x02; // bit 1 is inside it
    assertEquals(
        true,
        TcbEvaluator.qeIdentityMismatch(id, QuoteParser.enclaveReport(raw))
            .startsWith("QE ATTRIBUTES"));
  }
}
