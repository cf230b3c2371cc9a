#!/bin/sh
# The entry point of docker-compose.yml's broker: joins the broker settings (server.properties, mounted beside
# this script) with the generated security settings (secret kafka-broker-config), formats the storage on the
# first start with the SCRAM users (secret kafka-scram-users; a KRaft broker creates them only then), and runs
# Kafka. The joined file holds passwords: it is written readable by its owner only, outside the data volume.
set -eu
here=$(dirname "$0")
secrets=${SECRETS_DIR:-/run/secrets}
kafka=${KAFKA_HOME:-/opt/kafka}
config=${TMPDIR:-/tmp}/server.properties
umask 077
cat "$here/server.properties" "$secrets/kafka-broker-config" > "$config"
set --
while IFS= read -r user || [ -n "$user" ]; do
  if [ -n "$user" ]; then
    set -- "$@" --add-scram "$user"
  fi
done < "$secrets/kafka-scram-users"
"$kafka/bin/kafka-storage.sh" format --config "$config" --cluster-id "$CLUSTER_ID" --ignore-formatted "$@"
exec "$kafka/bin/kafka-server-start.sh" "$config"
