package ai.cocos.agent.internal;

import ai.cocos.agent.State;
import ai.cocos.agent.StateException;
import ai.cocos.agent.Trigger;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The state machine of one computation, with CocosAI's states, triggers and transitions (reference
 * §3.2):
 *
 * <pre>
 * Idle               --Start-------------&gt; ReceivingManifest
 * ReceivingManifest  --ManifestReceived--&gt; ReceivingAlgorithm
 * ReceivingAlgorithm --RunFailed---------&gt; Failed
 * ReceivingData      --RunFailed---------&gt; Failed
 * Running            --RunComplete-------&gt; ConsumingResults
 * Running            --RunFailed---------&gt; Failed
 * ConsumingResults   --ResultsConsumed---&gt; Complete
 * and, by the manifest's dataset count:
 *   none:  ReceivingAlgorithm --AlgorithmReceived--&gt; Running
 *   some:  ReceivingAlgorithm --AlgorithmReceived--&gt; ReceivingData --DataReceived--&gt; Running
 * </pre>
 *
 * <p>Every transition publishes an event whose type is the new state's name and whose status is its
 * {@link State#entryStatus() entry status}. Unlike CocosAI's, a trigger with no transition from the
 * current state does not stop the machine: it throws {@link StateException} and the state stays.
 * Thread-safe; transitions are atomic.
 */
final class StateMachine {
  private final EventBus bus;
  private final Map<State, Map<Trigger, State>> transitions = new EnumMap<>(State.class);
  private State state = State.Idle;

  /**
   * Creates a machine in {@link State#Idle}.
   *
   * @param datasetCount how many datasets the manifest declares (decides where the algorithm leads)
   * @param bus receives the transition events
   */
  StateMachine(int datasetCount, EventBus bus) {
    if (datasetCount < 0) {
      throw new IllegalArgumentException("datasetCount must be >= 0, got " + datasetCount);
    }
    this.bus = Objects.requireNonNull(bus, "bus");
    add(State.Idle, Trigger.Start, State.ReceivingManifest);
    add(State.ReceivingManifest, Trigger.ManifestReceived, State.ReceivingAlgorithm);
    add(State.ReceivingAlgorithm, Trigger.RunFailed, State.Failed);
    add(State.ReceivingData, Trigger.RunFailed, State.Failed);
    add(State.Running, Trigger.RunComplete, State.ConsumingResults);
    add(State.Running, Trigger.RunFailed, State.Failed);
    add(State.ConsumingResults, Trigger.ResultsConsumed, State.Complete);
    if (datasetCount == 0) {
      add(State.ReceivingAlgorithm, Trigger.AlgorithmReceived, State.Running);
    } else {
      add(State.ReceivingAlgorithm, Trigger.AlgorithmReceived, State.ReceivingData);
      add(State.ReceivingData, Trigger.DataReceived, State.Running);
    }
  }

  private void add(State from, Trigger trigger, State to) {
    transitions.computeIfAbsent(from, s -> new EnumMap<>(Trigger.class)).put(trigger, to);
  }

  /**
   * The current state.
   *
   * @return the state
   */
  synchronized State state() {
    return state;
  }

  /**
   * Whether a trigger has a transition from the current state.
   *
   * @param trigger the trigger
   * @return {@code true} if {@link #fire} would succeed now
   */
  synchronized boolean accepts(Trigger trigger) {
    return target(trigger) != null;
  }

  /**
   * Fires a trigger with empty event details.
   *
   * @param trigger the trigger
   * @return the new state
   * @throws StateException if there is no transition for it from the current state
   */
  State fire(Trigger trigger) throws StateException {
    return fire(trigger, Map.of());
  }

  /**
   * Fires a trigger.
   *
   * @param trigger the trigger
   * @param details the event's details (e.g. {@code reason} for {@link Trigger#RunFailed})
   * @return the new state
   * @throws StateException naming the state and the trigger if there is no transition for it; the
   *     state is unchanged
   */
  State fire(Trigger trigger, Map<String, ?> details) throws StateException {
    Objects.requireNonNull(trigger, "trigger");
    Objects.requireNonNull(details, "details");
    try (EventBus.Hold h = bus.hold()) {
      synchronized (this) {
        State to = target(trigger);
        if (to == null) {
          throw new StateException(state, "trigger " + trigger);
        }
        state = to;
        bus.event(to.name(), to.entryStatus(), details);
        return to;
      }
    }
  }

  /**
   * Goes back to {@link State#Idle} without an event, as CocosAI's reset after a stop.
   *
   * @return the state it was in
   */
  synchronized State reset() {
    State was = state;
    state = State.Idle;
    return was;
  }

  private State target(Trigger trigger) {
    Map<Trigger, State> from = transitions.get(state);
    return from == null ? null : from.get(trigger);
  }
}
