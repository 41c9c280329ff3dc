package ai.cocos.tee.tdx.internal;

import static ai.cocos.tee.tdx.internal.TdxFixtures.*;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Verdict;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The "negative cases to derive at test time" table of the vectors README for tdx/ (go-tdx-guest
 * TestNegativeVerification): each mutation of the Sapphire Rapids quote is rejected, by the rule
 * the README names.
 */
class NegativeRecipesTest {
  private final TdxVerifier verifier = verifier();

  @ParameterizedTest(name = "byte {0} = {1}: {2}")
  @CsvSource({
    "0x0000, 3, quote.format, unsupported quote version 3",
    "0x0278, 0x10, quote.format, size of certification data is 0x1045",
    "0x1343, 0x32, pck.chain, certificate 3 has no END line",
    "0x1329, 0x32, pck.chain, which is not a trusted root",
    "0x0F5F, 0x32, pck.chain, CN=Intel SGX PCK Platform CA is not signed by",
    "0x0B77, 0x32, pck.chain, CN=Intel SGX PCK Certificate is not signed by",
    "0x001E, 0x32, quote.signature, does not verify",
    "0x003C, 0x32, quote.signature, does not verify",
  })
  void mutationIsRejected(String offset, String value, String rule, String text) {
    Evidence base = spr();
    byte[] q = base.report();
    q[Integer.decode(offset)] = (byte) (int) Integer.decode(value);
    Evidence e = new Evidence("tdx", q, base.attachments());
    Verdict v = verify(verifier, e, pinMrtd(base), SPR_AT);
    assertFalse(v.passed(), describe(v));
    Verdict.Finding f = finding(v, rule);
    assertFalse(f.passed(), describe(v));
    assertTrue(f.message().contains(text), describe(v));
  }
}
