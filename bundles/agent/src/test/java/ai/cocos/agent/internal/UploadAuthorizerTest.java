package ai.cocos.agent.internal;

import static ai.cocos.agent.internal.TestSupport.ALGO_KEY;
import static ai.cocos.agent.internal.TestSupport.CONSUMER_1;
import static ai.cocos.agent.internal.TestSupport.CONSUMER_2;
import static ai.cocos.agent.internal.TestSupport.DATA_A_KEY;
import static ai.cocos.agent.internal.TestSupport.DATA_B_KEY;
import static ai.cocos.agent.internal.TestSupport.STRANGER;
import static ai.cocos.agent.internal.TestSupport.legacy;
import static ai.cocos.agent.internal.TestSupport.multi;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.AgentException;
import ai.cocos.agent.AgentException.Kind;
import ai.cocos.agent.AuthorizationException;
import ai.cocos.agent.AuthzHeaders;
import ai.cocos.agent.Operation;
import ai.cocos.agent.Role;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.manifest.ManifestSignature;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/upload-authorization.md v1, check by check, and legacy mode. */
class UploadAuthorizerTest {
  private static final byte[] ALGO = TestSupport.utf8("#!/bin/sh\necho hi\n");

  private final TestSupport.MutableClock clock =
      new TestSupport.MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final Manifest manifest = TestSupport.twoDatasets("c-auth", ALGO);
  private final Sha3Hash digest = ManifestSignature.digest(manifest);

  private UploadAuthorizer authorizer(boolean legacy) throws AgentException {
    return new UploadAuthorizer(manifest, digest, Duration.ofSeconds(300), legacy, 1000, clock);
  }

  private Map<String, List<String>> sign(Operation op, KeyPair key) {
    return TestSupport.signed(manifest, op, key, clock);
  }

  private static AgentException refused(
      UploadAuthorizer a, Operation op, Map<String, List<String>> md) {
    return assertThrows(AgentException.class, () -> a.authorize(op, md));
  }

  private static void assertUnauthenticated(String message, AgentException e) {
    assertTrue(e instanceof AuthorizationException, e.toString());
    assertEquals(Kind.UNAUTHENTICATED, e.kind());
    assertEquals(message, e.getMessage());
  }

  @Test
  void eachRoleIsAuthorisedWithItsOwnKey() throws Exception {
    UploadAuthorizer a = authorizer(false);
    var algo = a.authorize(Operation.algo(), sign(Operation.algo(), ALGO_KEY));
    assertEquals(Operation.algo(), algo.operation());
    assertEquals(TestSupport.pem(ALGO_KEY), algo.key());
    assertFalse(algo.legacy());

    var b = a.authorize(Operation.data("b.csv"), sign(Operation.data("b.csv"), DATA_B_KEY));
    assertEquals(1, b.index());
    var dataA = a.authorize(Operation.data("a.csv"), sign(Operation.data("a.csv"), DATA_A_KEY));
    assertEquals(0, dataA.index());

    // RSA (consumer 0) and Ed25519 (consumer 1).
    assertEquals(0, a.authorize(Operation.result(), sign(Operation.result(), CONSUMER_1)).index());
    assertEquals(1, a.authorize(Operation.result(), sign(Operation.result(), CONSUMER_2)).index());
  }

  @Test
  void aValidSignatureByAnotherRolesKeyIsRefusedByName() throws Exception {
    UploadAuthorizer a = authorizer(false);
    AgentException e = refused(a, Operation.algo(), sign(Operation.algo(), DATA_A_KEY));
    assertEquals(Kind.PERMISSION_DENIED, e.kind());
    assertEquals(
        "signed by a key that is not the algorithm-provider key of this computation (the"
            + " signature is from the data-provider key of dataset 'a.csv')",
        e.getMessage());

    e = refused(a, Operation.result(), sign(Operation.result(), ALGO_KEY));
    assertEquals(Kind.PERMISSION_DENIED, e.kind());
    assertEquals(
        "signed by a key that is not a consumer key of this computation (the signature is from"
            + " the algorithm-provider key)",
        e.getMessage());

    // Another data provider's key for a dataset it does not own.
    e = refused(a, Operation.data("a.csv"), sign(Operation.data("a.csv"), DATA_B_KEY));
    assertEquals(Kind.PERMISSION_DENIED, e.kind());
    assertEquals(
        "signed by a key that is not the data-provider key of dataset 'a.csv' of this computation"
            + " (the signature is from the data-provider key of dataset 'b.csv')",
        e.getMessage());

    e = refused(a, Operation.data("b.csv"), sign(Operation.data("b.csv"), CONSUMER_1));
    assertEquals(Kind.PERMISSION_DENIED, e.kind());
    assertTrue(e.getMessage().endsWith("(the signature is from the key of result consumer 0)"));
  }

  @Test
  void aStrangersSignatureVerifiesWithNoKey() throws Exception {
    AgentException e =
        refused(authorizer(false), Operation.algo(), sign(Operation.algo(), STRANGER));
    assertUnauthenticated(
        "signature does not verify with any key of this computation (wrong key, or signed for"
            + " another computation, manifest, operation, time or nonce)",
        e);
  }

  @Test
  void aSignatureForAnotherComputationOrManifestDoesNotVerify() throws Exception {
    UploadAuthorizer a = authorizer(false);
    Map<String, List<String>> otherId =
        multi(
            AuthzHeaders.sign(
                "other-computation",
                digest,
                Operation.algo(),
                ALGO_KEY.getPrivate(),
                clock,
                AuthzHeaders::newNonce));
    assertEquals(Kind.UNAUTHENTICATED, refused(a, Operation.algo(), otherId).kind());

    Manifest changed =
        TestSupport.manifest(
            manifest.id(), ALGO, List.of("--extra"), manifest.datasets()); // same id, new digest
    Map<String, List<String>> otherManifest =
        TestSupport.signed(changed, Operation.algo(), ALGO_KEY, clock);
    AgentException e = refused(a, Operation.algo(), otherManifest);
    assertEquals(Kind.UNAUTHENTICATED, e.kind());
    assertTrue(e.getMessage().startsWith("signature does not verify with any key"));
  }

  @Test
  void aSignatureForAnotherOperationOrFileDoesNotVerify() throws Exception {
    UploadAuthorizer a = authorizer(false);
    // Signed for a.csv, presented for b.csv: A's key does not verify b's message, B did not sign.
    AgentException e =
        refused(a, Operation.data("b.csv"), sign(Operation.data("a.csv"), DATA_A_KEY));
    assertEquals(Kind.UNAUTHENTICATED, e.kind());
    // Signed for the results by a consumer, presented as an algorithm upload.
    e = refused(a, Operation.algo(), sign(Operation.result(), CONSUMER_2));
    assertEquals(Kind.UNAUTHENTICATED, e.kind());
    // Signed for the algorithm, presented for the results.
    e = refused(a, Operation.result(), sign(Operation.algo(), ALGO_KEY));
    assertEquals(Kind.UNAUTHENTICATED, e.kind());
  }

  @Test
  void staleAndFutureTimestampsAreRefusedWithTheirAge() throws Exception {
    UploadAuthorizer a = authorizer(false);
    Map<String, List<String>> md = sign(Operation.algo(), ALGO_KEY);
    clock.advance(Duration.ofSeconds(912));
    assertUnauthenticated(
        "signature timestamp is 912 s in the past (allowed skew 300 s)",
        refused(a, Operation.algo(), md));

    clock.advance(Duration.ofSeconds(-912 - 301));
    assertUnauthenticated(
        "signature timestamp is 301 s in the future (allowed skew 300 s; check the client's"
            + " clock)",
        refused(a, Operation.algo(), md));

    // Exactly at the edge of the window it is accepted.
    clock.advance(Duration.ofSeconds(1));
    a.authorize(Operation.algo(), md);
  }

  @Test
  void aReplayIsRefused() throws Exception {
    UploadAuthorizer a = authorizer(false);
    Map<String, List<String>> md = sign(Operation.data("a.csv"), DATA_A_KEY);
    a.authorize(Operation.data("a.csv"), md);
    assertUnauthenticated(
        "signature was already used (replay)", refused(a, Operation.data("a.csv"), md));
    clock.advance(Duration.ofSeconds(200));
    assertUnauthenticated(
        "signature was already used (replay)", refused(a, Operation.data("a.csv"), md));
    // Once outside the window it is stale instead (and its nonce may be forgotten).
    clock.advance(Duration.ofSeconds(101));
    assertTrue(
        refused(a, Operation.data("a.csv"), md).getMessage().startsWith("signature timestamp"));
  }

  @Test
  void theNonceIsRecordedOnlyAfterTheSignatureVerified() throws Exception {
    UploadAuthorizer a = authorizer(false);
    Map<String, List<String>> good = sign(Operation.algo(), ALGO_KEY);
    Map<String, List<String>> forged = new HashMap<>(good);
    forged.put(AuthzHeaders.SIGNATURE, sign(Operation.algo(), STRANGER).get("signature"));
    // The forgery carries the good request's nonce; it must not burn it.
    assertEquals(Kind.UNAUTHENTICATED, refused(a, Operation.algo(), forged).kind());
    a.authorize(Operation.algo(), good);
  }

  @Test
  void malformedOrMissingMetadataIsNamed() throws Exception {
    UploadAuthorizer a = authorizer(false);
    Map<String, List<String>> good = sign(Operation.algo(), ALGO_KEY);

    assertUnauthenticated("request has no signature", refused(a, Operation.algo(), Map.of()));

    Map<String, List<String>> md = new HashMap<>(good);
    md.put("signature", List.of("not base64 !!"));
    assertUnauthenticated(
        "signature is not valid base64 (standard alphabet, padded)",
        refused(a, Operation.algo(), md));

    md = new HashMap<>(good);
    md.put("signature", List.of(""));
    assertUnauthenticated("request has an empty signature", refused(a, Operation.algo(), md));

    md = new HashMap<>(good);
    md.put("signature", List.of(good.get("signature").get(0), good.get("signature").get(0)));
    assertUnauthenticated(
        "request has 2 signature values, expected exactly one", refused(a, Operation.algo(), md));

    md = new HashMap<>(good);
    md.remove(AuthzHeaders.AUTHZ);
    AgentException e = refused(a, Operation.algo(), md);
    assertEquals(Kind.UNAUTHENTICATED, e.kind());
    assertTrue(e.getMessage().startsWith("request has no cocos-authz header"), e.getMessage());
    assertTrue(e.getMessage().contains("legacy mode is off"));

    md = new HashMap<>(good);
    md.put(AuthzHeaders.AUTHZ, List.of("v2"));
    assertUnauthenticated(
        "unsupported cocos-authz version 'v2': this agent speaks v1",
        refused(a, Operation.algo(), md));

    md = new HashMap<>(good);
    md.remove(AuthzHeaders.TIMESTAMP);
    assertUnauthenticated("request has no cocos-timestamp", refused(a, Operation.algo(), md));

    md = new HashMap<>(good);
    md.put(AuthzHeaders.TIMESTAMP, List.of("0" + good.get(AuthzHeaders.TIMESTAMP).get(0)));
    assertTrue(
        refused(a, Operation.algo(), md).getMessage().contains("is not Unix seconds in decimal"));

    md = new HashMap<>(good);
    md.put(AuthzHeaders.TIMESTAMP, List.of("-5"));
    assertTrue(
        refused(a, Operation.algo(), md).getMessage().contains("is not Unix seconds in decimal"));

    md = new HashMap<>(good);
    md.remove(AuthzHeaders.NONCE);
    assertUnauthenticated("request has no cocos-nonce", refused(a, Operation.algo(), md));

    md = new HashMap<>(good);
    md.put(AuthzHeaders.NONCE, List.of("ABCDEF0123456789ABCDEF0123456789"));
    assertUnauthenticated(
        "cocos-nonce must be 32 lower-case hex digits, found 'ABCDEF0123456789ABCDEF0123456789'",
        refused(a, Operation.algo(), md));

    // None of these burnt the good request's nonce.
    a.authorize(Operation.algo(), good);
  }

  @Test
  void anUndeclaredDatasetIsNamedOnlyToAParticipant() throws Exception {
    UploadAuthorizer a = authorizer(false);
    AgentException e =
        refused(a, Operation.data("c.csv"), sign(Operation.data("c.csv"), DATA_A_KEY));
    assertEquals(Kind.UNDECLARED, e.kind());
    assertEquals("dataset 'c.csv' is not declared in the manifest", e.getMessage());
    e = refused(a, Operation.data("c.csv"), sign(Operation.data("c.csv"), STRANGER));
    assertEquals(Kind.UNAUTHENTICATED, e.kind());
  }

  @Test
  void legacyModeIsOffByDefault() throws Exception {
    AgentException e =
        refused(authorizer(false), Operation.algo(), legacy(Role.ALGORITHM_PROVIDER, ALGO_KEY));
    assertEquals(Kind.UNAUTHENTICATED, e.kind());
    assertTrue(e.getMessage().contains("not CocosAI's static role signatures"));
    assertFalse(AgentSettings.defaults(java.nio.file.Path.of("/tmp")).legacyAuth());
  }

  @Test
  void legacyModeAcceptsStaticRoleSignaturesAndStillChecksTheKey() throws Exception {
    UploadAuthorizer a = authorizer(true);
    var g = a.authorize(Operation.algo(), legacy(Role.ALGORITHM_PROVIDER, ALGO_KEY));
    assertTrue(g.legacy());
    // A legacy signature is replayable by design: the same one works again.
    a.authorize(Operation.algo(), legacy(Role.ALGORITHM_PROVIDER, ALGO_KEY));
    assertEquals(
        1, a.authorize(Operation.data("b.csv"), legacy(Role.DATA_PROVIDER, DATA_B_KEY)).index());
    assertEquals(1, a.authorize(Operation.result(), legacy(Role.CONSUMER, CONSUMER_2)).index());

    // Stricter than CocosAI: B's data-provider signature does not upload A's dataset.
    AgentException e = refused(a, Operation.data("a.csv"), legacy(Role.DATA_PROVIDER, DATA_B_KEY));
    assertEquals(Kind.PERMISSION_DENIED, e.kind());
    // The wrong role string does not verify.
    e = refused(a, Operation.algo(), legacy(Role.CONSUMER, ALGO_KEY));
    assertEquals(Kind.UNAUTHENTICATED, e.kind());
    // v1 requests keep working in legacy mode.
    assertFalse(a.authorize(Operation.algo(), sign(Operation.algo(), ALGO_KEY)).legacy());
  }

  @Test
  void aFullReplayCacheRefusesInsteadOfForgetting() throws Exception {
    UploadAuthorizer a =
        new UploadAuthorizer(manifest, digest, Duration.ofSeconds(300), false, 16, clock);
    for (int i = 0; i < 16; i++) {
      a.authorize(Operation.result(), sign(Operation.result(), CONSUMER_2));
    }
    AgentException e = refused(a, Operation.result(), sign(Operation.result(), CONSUMER_2));
    assertEquals(Kind.OVERLOADED, e.kind());
    assertTrue(e.getMessage().startsWith("too many signed requests within the last 600 s"));
    // After the window the old nonces expire and requests are accepted again.
    clock.advance(Duration.ofSeconds(301));
    a.authorize(Operation.result(), sign(Operation.result(), CONSUMER_2));
  }

  @Test
  void theNonceCacheExpiresEntriesWhenTheirTimestampLeavesTheWindow() {
    NonceCache c = new NonceCache(3, 300);
    assertEquals(NonceCache.Outcome.RECORDED, c.record("a", 1000, 1000));
    assertEquals(NonceCache.Outcome.RECORDED, c.record("b", 1100, 1100));
    assertEquals(NonceCache.Outcome.REPLAY, c.record("a", 1000, 1200));
    assertEquals(NonceCache.Outcome.RECORDED, c.record("c", 1200, 1200));
    assertEquals(NonceCache.Outcome.FULL, c.record("d", 1200, 1200));
    assertTrue(c.seen("a", 1300));
    assertFalse(c.seen("a", 1301)); // 1000 + 300 < 1301
    assertEquals(2, c.size());
    assertEquals(NonceCache.Outcome.RECORDED, c.record("d", 1250, 1301));
  }

  @Test
  void concurrentUseOfOneSignatureIsAcceptedOnce() throws Exception {
    UploadAuthorizer a = authorizer(false);
    Map<String, List<String>> md = sign(Operation.algo(), ALGO_KEY);
    List<Thread> threads = new ArrayList<>();
    java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
    for (int i = 0; i < 8; i++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  a.authorize(Operation.algo(), md);
                  ok.incrementAndGet();
                } catch (AgentException e) {
                  // replay
                }
              });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(1, ok.get());
  }
}
