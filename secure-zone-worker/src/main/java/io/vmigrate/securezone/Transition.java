package io.vmigrate.securezone;

import io.vmigrate.trust.PrivateKeyHandle;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One request's change to the zone: the next state (a copy of the current one) and the unsealed VM
 * keys it adds or destroys. Nothing of it takes effect until {@link ZoneStore#commit} made it durable.
 */
final class Transition {

    final ZoneState next;
    /** VM keys to hold once committed, by VM id (destroyed instead if the commit fails). */
    final Map<String, PrivateKeyHandle> installs = new HashMap<>();
    /** VM ids whose held key is destroyed once committed. */
    final Set<String> destroyed = new LinkedHashSet<>();

    Transition(ZoneState next) {
        this.next = next;
    }
}
