package ai.cocos.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.AgentEvent;
import ai.cocos.agent.AgentListener;
import ai.cocos.agent.State;
import ai.cocos.agent.StateException;
import ai.cocos.agent.Trigger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The transitions of reference §3.2, the events they emit, and refusals that keep the state. */
class StateMachineTest {
  private final TestSupport.MutableClock clock =
      new TestSupport.MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final TestSupport.Recorder recorder = new TestSupport.Recorder();
  private final List<AgentListener> shared = new CopyOnWriteArrayList<>(List.of(recorder));

  private StateMachine machine(int datasets) {
    return new StateMachine(datasets, new EventBus("c1", clock, shared));
  }

  @Test
  void withDatasetsGoesThroughEveryStateAndEmitsEachEntry() throws Exception {
    StateMachine m = machine(2);
    assertEquals(State.Idle, m.state());
    assertEquals(State.ReceivingManifest, m.fire(Trigger.Start));
    assertEquals(State.ReceivingAlgorithm, m.fire(Trigger.ManifestReceived));
    assertEquals(State.ReceivingData, m.fire(Trigger.AlgorithmReceived));
    assertEquals(State.Running, m.fire(Trigger.DataReceived));
    assertEquals(State.ConsumingResults, m.fire(Trigger.RunComplete));
    assertEquals(State.Complete, m.fire(Trigger.ResultsConsumed));
    assertEquals(
        List.of(
            "ReceivingManifest/InProgress",
            "ReceivingAlgorithm/InProgress",
            "ReceivingData/InProgress",
            "Running/Starting",
            "ConsumingResults/Ready",
            "Complete/Completed"),
        recorder.kinds());
    AgentEvent e = recorder.events.get(0);
    assertEquals("c1", e.computationId());
    assertEquals("agent", e.originator());
    assertEquals("{}", e.details());
    assertEquals(clock.instant(), e.timestamp());
  }

  @Test
  void withoutDatasetsTheAlgorithmLeadsStraightToRunning() throws Exception {
    StateMachine m = machine(0);
    m.fire(Trigger.Start);
    m.fire(Trigger.ManifestReceived);
    assertEquals(State.Running, m.fire(Trigger.AlgorithmReceived));
    StateException e = assertThrows(StateException.class, () -> m.fire(Trigger.DataReceived));
    assertEquals(State.Running, e.state());
  }

  @Test
  void withDatasetsTheAlgorithmDoesNotStartTheRun() throws Exception {
    StateMachine m = machine(1);
    m.fire(Trigger.Start);
    m.fire(Trigger.ManifestReceived);
    assertEquals(State.ReceivingData, m.fire(Trigger.AlgorithmReceived));
    assertThrows(StateException.class, () -> m.fire(Trigger.RunComplete));
  }

  @Test
  void anInvalidTriggerIsRefusedByNameAndTheMachineKeepsWorking() throws Exception {
    StateMachine m = machine(1);
    m.fire(Trigger.Start);
    StateException e = assertThrows(StateException.class, () -> m.fire(Trigger.DataReceived));
    assertEquals(
        "agent not expecting this operation in the current state: ReceivingManifest (trigger"
            + " DataReceived)",
        e.getMessage());
    assertEquals(State.ReceivingManifest, e.state());
    assertEquals(State.ReceivingManifest, m.state(), "the state stays");
    assertEquals(1, recorder.events.size(), "a refusal emits nothing");
    // Unlike CocosAI's, the machine still works after a refusal.
    assertEquals(State.ReceivingAlgorithm, m.fire(Trigger.ManifestReceived));
    assertThrows(StateException.class, () -> m.fire(Trigger.Start));
    assertEquals(State.ReceivingAlgorithm, m.state());
  }

  @Test
  void runFailedLeadsToFailedFromEachActiveStateWithTheReason() throws Exception {
    for (int step = 0; step < 3; step++) {
      recorder.events.clear();
      StateMachine m = machine(1);
      m.fire(Trigger.Start);
      m.fire(Trigger.ManifestReceived);
      if (step >= 1) {
        m.fire(Trigger.AlgorithmReceived);
      }
      if (step >= 2) {
        m.fire(Trigger.DataReceived);
      }
      State before = m.state();
      assertEquals(State.Failed, m.fire(Trigger.RunFailed, Map.of("reason", "exit status 3")));
      AgentEvent last = recorder.events.get(recorder.events.size() - 1);
      assertEquals("Failed", last.eventType(), "from " + before);
      assertEquals("Failed", last.status());
      assertEquals("{\"reason\":\"exit status 3\"}", last.details());
      // Failed is final.
      for (Trigger t : Trigger.values()) {
        assertThrows(StateException.class, () -> m.fire(t));
      }
    }
  }

  @Test
  void runFailedIsRefusedBeforeTheManifestAndAfterTheRun() throws Exception {
    StateMachine m = machine(0);
    assertThrows(StateException.class, () -> m.fire(Trigger.RunFailed));
    m.fire(Trigger.Start);
    assertThrows(StateException.class, () -> m.fire(Trigger.RunFailed));
    m.fire(Trigger.ManifestReceived);
    m.fire(Trigger.AlgorithmReceived);
    m.fire(Trigger.RunComplete);
    assertThrows(StateException.class, () -> m.fire(Trigger.RunFailed));
    m.fire(Trigger.ResultsConsumed);
    assertThrows(StateException.class, () -> m.fire(Trigger.RunFailed));
    assertThrows(StateException.class, () -> m.fire(Trigger.ResultsConsumed));
    assertEquals(State.Complete, m.state());
  }

  @Test
  void everyStateRefusesEveryTriggerOutsideTheTable() throws Exception {
    // (from, trigger) pairs of §3.2 for a manifest with datasets.
    List<String> allowed =
        List.of(
            "Idle-Start",
            "ReceivingManifest-ManifestReceived",
            "ReceivingAlgorithm-AlgorithmReceived",
            "ReceivingAlgorithm-RunFailed",
            "ReceivingData-DataReceived",
            "ReceivingData-RunFailed",
            "Running-RunComplete",
            "Running-RunFailed",
            "ConsumingResults-ResultsConsumed");
    Trigger[] path = {
      Trigger.Start,
      Trigger.ManifestReceived,
      Trigger.AlgorithmReceived,
      Trigger.DataReceived,
      Trigger.RunComplete,
      Trigger.ResultsConsumed
    };
    for (int depth = 0; depth <= path.length; depth++) {
      for (Trigger t : Trigger.values()) {
        StateMachine m = machine(1);
        for (int i = 0; i < depth; i++) {
          m.fire(path[i]);
        }
        State from = m.state();
        boolean ok = allowed.contains(from + "-" + t);
        assertEquals(ok, m.accepts(t), from + "-" + t);
        if (ok) {
          m.fire(t);
        } else {
          assertThrows(StateException.class, () -> m.fire(t), from + "-" + t);
          assertEquals(from, m.state());
        }
      }
    }
  }

  @Test
  void concurrentTriggersTransitionExactlyOnce() throws Exception {
    StateMachine m = machine(0);
    m.fire(Trigger.Start);
    m.fire(Trigger.ManifestReceived);
    int threads = 16;
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger won = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    List<Thread> all = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  go.await();
                  m.fire(Trigger.AlgorithmReceived);
                  won.incrementAndGet();
                } catch (StateException e) {
                  refused.incrementAndGet();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      t.start();
      all.add(t);
    }
    go.countDown();
    for (Thread t : all) {
      t.join();
    }
    assertEquals(1, won.get());
    assertEquals(threads - 1, refused.get());
    assertEquals(1, recorder.kinds().stream().filter(k -> k.startsWith("Running/")).count());
  }

  @Test
  void aThrowingListenerDoesNotStopDeliveryOrTheMachine() throws Exception {
    shared.add(
        0,
        e -> {
          throw new IllegalStateException("listener bug");
        });
    StateMachine m = machine(0);
    m.fire(Trigger.Start);
    assertEquals(State.ReceivingAlgorithm, m.fire(Trigger.ManifestReceived));
    assertEquals(2, recorder.events.size());
  }

  @Test
  void aListenerFiringFromItsCallbackSeesEventsInOrder() throws Exception {
    EventBus bus = new EventBus("c1", clock, shared);
    StateMachine m = new StateMachine(0, bus);
    List<String> seen = new CopyOnWriteArrayList<>();
    bus.subscribe(
        e -> {
          seen.add(e.eventType());
          if (e.eventType().equals("ReceivingManifest")) {
            try {
              m.fire(Trigger.ManifestReceived); // re-entrant: delivered after this one
            } catch (StateException x) {
              throw new AssertionError(x);
            }
            seen.add("(fired)");
          }
        });
    m.fire(Trigger.Start);
    assertEquals(List.of("ReceivingManifest", "(fired)", "ReceivingAlgorithm"), seen);
  }

  @Test
  void resetGoesBackToIdleWithoutAnEvent() throws Exception {
    StateMachine m = machine(0);
    m.fire(Trigger.Start);
    m.fire(Trigger.ManifestReceived);
    int before = recorder.events.size();
    assertEquals(State.ReceivingAlgorithm, m.reset());
    assertEquals(State.Idle, m.state());
    assertEquals(before, recorder.events.size());
    assertFalse(m.accepts(Trigger.ManifestReceived));
    assertTrue(m.accepts(Trigger.Start));
  }
}
