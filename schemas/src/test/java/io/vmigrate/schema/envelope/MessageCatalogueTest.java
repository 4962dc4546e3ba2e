package io.vmigrate.schema.envelope;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.common.Direction;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.securezone.SecureZoneOperationType;
import java.util.EnumSet;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class MessageCatalogueTest {

    @Test
    void everyCommandIsVerifiedByAZoneOperationAndNoReplyIs() {
        for (MessageType type : MessageType.values()) {
            MessageCatalogue.Entry entry = MessageCatalogue.entry(type);
            assertThat(entry.type()).isEqualTo(type);
            assertThat(entry.hostRoles()).as("%s names its parties", type).isNotEmpty();
            assertThat(entry.zoneOperation().isPresent()).as("%s zone operation", type).isEqualTo(entry.isCommand());
        }
    }

    @Test
    void bodiesIdentifyTheirTypeAndNoTwoTypesShareABody() {
        for (MessageType type : MessageType.values()) {
            SpecificRecord body = (SpecificRecord) SpecificData.newInstance(MessageCatalogue.bodyClassOf(type), null);
            assertThat(MessageCatalogue.messageTypeOf(body)).isEqualTo(type);
        }
    }

    @Test
    void theZoneOpensOnlyTheCommandsOfItsOperation() {
        assertThat(MessageCatalogue.commandsVerifiedBy(SecureZoneOperationType.OPEN_COMMAND))
                .containsExactlyInAnyOrder(MessageType.MIGRATE_OUT, MessageType.CREATE_TARGET_VM,
                        MessageType.ROTATE_CENTER_KEY);
        assertThat(MessageCatalogue.commandsVerifiedBy(SecureZoneOperationType.INSTALL_VM_KEY))
                .containsExactly(MessageType.DELIVER_VM_KEY);
        assertThat(MessageCatalogue.commandsVerifiedBy(SecureZoneOperationType.SIGN_REPLY)).isEmpty();
    }

    @Test
    void repliesComeFromThePartyThatDidTheWork() {
        assertThat(MessageCatalogue.hostRolesOf(MessageType.KEY_INSTALL_REPLY)).containsExactly(HostRole.DESTINATION);
        assertThat(MessageCatalogue.hostRolesOf(MessageType.VM_ATTESTATION)).containsExactly(HostRole.SOURCE);
        assertThat(MessageCatalogue.hostRolesOf(MessageType.COMMAND_REFUSED)).isEqualTo(EnumSet.allOf(HostRole.class));
        assertThat(MessageCatalogue.directionOf(MessageType.DEREGISTER_VM)).isEqualTo(Direction.CENTER_TO_HOST);
    }
}
