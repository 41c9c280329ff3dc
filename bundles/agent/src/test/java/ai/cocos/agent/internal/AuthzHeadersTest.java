package ai.cocos.agent.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.AuthzHeaders;
import ai.cocos.agent.Operation;
import ai.cocos.agent.Role;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.crypto.Signatures;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client side: the exact signed message and the metadata the CLI sends. */
class AuthzHeadersTest {
  private static final Sha3Hash DIGEST = Sha3Hash.parse("1c" + "0".repeat(60) + "ff");
  private static final String NONCE = "0123456789abcdef0123456789abcdef";

  @Test
  void theSignedMessageIsExactlyTheDocumentedLines() {
    byte[] m = AuthzHeaders.message("c-1", DIGEST, Operation.data("b.csv"), "1767225600", NONCE);
    String expected =
        "cocos-authz-v1\n"
            + "data-provider\n"
            + "c-1\n"
            + DIGEST.hex()
            + "\n"
            + "data:b.csv\n"
            + "1767225600\n"
            + NONCE;
    assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), m);
    assertTrue(
        new String(
                AuthzHeaders.message("c-1", DIGEST, Operation.algo(), "1", NONCE),
                StandardCharsets.UTF_8)
            .startsWith("cocos-authz-v1\nalgorithm-provider\n"));
    assertTrue(
        new String(
                AuthzHeaders.message("c-1", DIGEST, Operation.result(), "1", NONCE),
                StandardCharsets.UTF_8)
            .contains("\nconsumer\n"));
  }

  @Test
  void signProducesTheFourHeadersWithTheInjectedClockAndNonce() throws Exception {
    TestSupport.MutableClock clock =
        new TestSupport.MutableClock(Instant.parse("2026-01-01T00:00:00.900Z"));
    Map<String, String> h =
        AuthzHeaders.sign(
            "c-1",
            DIGEST,
            Operation.result(),
            TestSupport.CONSUMER_2.getPrivate(),
            clock,
            () -> NONCE);
    assertEquals(
        List.of("signature", "cocos-authz", "cocos-timestamp", "cocos-nonce"),
        List.copyOf(h.keySet()));
    assertEquals("v1", h.get("cocos-authz"));
    assertEquals("1767225600", h.get("cocos-timestamp"));
    assertEquals(NONCE, h.get("cocos-nonce"));
    byte[] sig = Base64.getDecoder().decode(h.get("signature"));
    assertTrue(
        Signatures.verify(
            TestSupport.CONSUMER_2.getPublic(),
            AuthzHeaders.message("c-1", DIGEST, Operation.result(), "1767225600", NONCE),
            sig));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            AuthzHeaders.sign(
                "c-1",
                DIGEST,
                Operation.algo(),
                TestSupport.ALGO_KEY.getPrivate(),
                clock,
                () -> "xyz"));
  }

  @Test
  void legacySigningSignsTheBareRoleString() throws Exception {
    Map<String, String> h =
        AuthzHeaders.signLegacy(Role.CONSUMER, TestSupport.CONSUMER_1.getPrivate());
    assertEquals(List.of("signature"), List.copyOf(h.keySet()));
    assertTrue(
        Signatures.verify(
            TestSupport.CONSUMER_1.getPublic(),
            "consumer".getBytes(StandardCharsets.US_ASCII),
            Base64.getDecoder().decode(h.get("signature"))));
  }

  @Test
  void noncesAreFreshHex() {
    String a = AuthzHeaders.newNonce();
    assertTrue(AuthzHeaders.isNonce(a));
    assertFalse(a.equals(AuthzHeaders.newNonce()));
    assertFalse(AuthzHeaders.isNonce(a.toUpperCase(java.util.Locale.ROOT).replace('0', 'A')));
    assertFalse(AuthzHeaders.isNonce(a + "0"));
    assertFalse(AuthzHeaders.isNonce(null));
  }

  @Test
  void operationsHaveOneWireForm() {
    assertEquals("algo", Operation.algo().wire());
    assertEquals("result", Operation.result().wire());
    assertEquals("data:a b.csv", Operation.data("a b.csv").wire());
    assertEquals(Operation.data("x.csv"), Operation.parse("data:x.csv"));
    assertEquals(Role.DATA_PROVIDER, Operation.parse("data:x.csv").role());
    assertEquals(Role.ALGORITHM_PROVIDER, Operation.parse("algo").role());
    assertEquals(Role.CONSUMER, Operation.parse("result").role());
    assertThrows(IllegalArgumentException.class, () -> Operation.parse("data:../x"));
    assertThrows(IllegalArgumentException.class, () -> Operation.parse("data:a\nb"));
    assertThrows(IllegalArgumentException.class, () -> Operation.parse("delete"));
    assertThrows(IllegalArgumentException.class, () -> new Operation(Operation.Kind.ALGO, "x"));
  }
}
