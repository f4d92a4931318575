//! Table output for built-in resources: the `meta.k8s.io/v1 Table` columns and row cells
//! kube-apiserver serves for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, which is
//! what `kubectl get` prints.
//!
//! The printers follow kube's (`pkg/printers/internalversion/printers.go`, plus
//! kube-aggregator's for APIServices): the server always prints "wide", so rows carry the
//! priority-1 cells too and `kubectl` hides those columns unless asked (`-o wide`). Resources
//! without a printer (Roles, ClusterRoles, LimitRanges, CRDs, CRs without printer columns, …)
//! get the default table convertor's two columns, `Name` and `Created At`.
//!
//! [`builtin_columns`] gives `columnDefinitions`; [`builtin_row_cells`] gives one row's
//! `cells`, computed from the object as served (JSON), with kube's formatting quirks (`<none>`,
//! `<pending>`, `Init:1/2`, `3 (5m ago)`, …); [`builtin_row_conditions`] gives the row's
//! `conditions` (finished pods only). The caller assembles the Table and wraps each row as
//! `{"cells": [...], "object": <PartialObjectMetadata or full object>}`. Ages are computed
//! against a `now` the caller passes, so output is deterministic in tests.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde_json::{Value, json};

/// `metav1.ObjectMeta{}.SwaggerDoc()["name"]`.
const NAME_DESC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
/// `metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]`.
const CREATION_TIMESTAMP_DESC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const SECRET_TYPE_DESC: &str = "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types";
const SECRET_DATA_DESC: &str = "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4";
const CONFIG_MAP_DATA_DESC: &str = "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.";
const LEASE_HOLDER_DESC: &str = "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.";
/// The printers still describe `roleRef` with the rbac/v1beta1 documentation.
const ROLE_BINDING_ROLE_REF_DESC: &str = "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.";
const CLUSTER_ROLE_BINDING_ROLE_REF_DESC: &str = "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.";
const EVENT_LAST_TIMESTAMP_DESC: &str =
    "The time at which the most recent occurrence of this event was recorded.";
const EVENT_TYPE_DESC: &str =
    "Type of this event (Normal, Warning), new types could be added in the future";
const EVENT_REASON_DESC: &str = "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.";
const EVENT_INVOLVED_OBJECT_DESC: &str = "The object that this event is about.";
const OBJECT_REFERENCE_FIELD_PATH_DESC: &str = "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.";
const EVENT_SOURCE_DESC: &str =
    "The component reporting this event. Should be a short machine understandable string.";
const EVENT_MESSAGE_DESC: &str = "A human-readable description of the status of this operation.";
const EVENT_FIRST_TIMESTAMP_DESC: &str =
    "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)";
const EVENT_COUNT_DESC: &str = "The number of times this event has occurred.";

// Field documentation the printers quote (`<Type>{}.SwaggerDoc()["<field>"]`), from the
// k8s.io/api types of kubernetes-1.36 (some printers still quote beta types' text).
const POD_IP_DESC: &str = "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.";
const POD_NODE_NAME_DESC: &str = "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename";
const POD_NOMINATED_NODE_DESC: &str = "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.";
const POD_READINESS_GATES_DESC: &str = "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates";
const POD_NODE_SELECTOR_DESC: &str = "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/";
const RC_SPEC_REPLICAS_DESC: &str = "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller";
const RC_STATUS_REPLICAS_DESC: &str = "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller";
const RC_READY_REPLICAS_DESC: &str =
    "The number of ready replicas for this replication controller.";
const RC_SELECTOR_DESC: &str = "Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
const RS_SPEC_REPLICAS_DESC: &str = "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset";
const RS_STATUS_REPLICAS_DESC: &str = "Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset";
const RS_READY_REPLICAS_DESC: &str =
    "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.";
const RS_SELECTOR_DESC: &str = "Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
const DS_DESIRED_DESC: &str = "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/";
const DS_CURRENT_DESC: &str = "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/";
const DS_READY_DESC: &str = "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.";
const DS_UPDATED_DESC: &str = "The total number of nodes that are running updated daemon pod";
const DS_AVAILABLE_DESC: &str = "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)";
const DS_SELECTOR_DESC: &str = "A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
const JOB_SUCCEEDED_DESC: &str = "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.";
const JOB_SELECTOR_DESC: &str = "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
const CRON_SCHEDULE_DESC: &str =
    "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.";
const CRON_TIME_ZONE_DESC: &str = "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones";
const CRON_SUSPEND_DESC: &str = "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.";
const CRON_ACTIVE_DESC: &str = "A list of pointers to currently running jobs.";
const CRON_LAST_SCHEDULE_DESC: &str =
    "Information when was the last time the job was successfully scheduled.";
const SERVICE_TYPE_DESC: &str = "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types";
const SERVICE_CLUSTER_IP_DESC: &str = "clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies";
const SERVICE_EXTERNAL_IPS_DESC: &str = "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.";
const SERVICE_PORTS_DESC: &str = "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies";
const SERVICE_SELECTOR_DESC: &str = "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/";
const ENDPOINTS_SUBSETS_DESC: &str = "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.";
const NODE_KUBELET_VERSION_DESC: &str = "Kubelet Version reported by the node.";
const NODE_ADDRESSES_DESC: &str = "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";
const NODE_OS_IMAGE_DESC: &str =
    "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).";
const NODE_KERNEL_VERSION_DESC: &str =
    "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).";
const NODE_CONTAINER_RUNTIME_DESC: &str = "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).";
const PV_CAPACITY_DESC: &str = "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity";
const PV_ACCESS_MODES_DESC: &str = "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes";
const PV_RECLAIM_POLICY_DESC: &str = "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming";
const PV_PHASE_DESC: &str = "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase";
const PV_CLAIM_REF_DESC: &str = "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding";
const PV_REASON_DESC: &str = "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.";
const PV_VOLUME_MODE_DESC: &str = "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.";
const PVC_PHASE_DESC: &str = "phase represents the current phase of PersistentVolumeClaim.";
const PVC_VOLUME_NAME_DESC: &str =
    "volumeName is the binding reference to the PersistentVolume backing this claim.";
const PVC_CAPACITY_DESC: &str =
    "capacity represents the actual resources of the underlying volume.";
const PVC_ACCESS_MODES_DESC: &str = "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1";
const PVC_VOLUME_MODE_DESC: &str = "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.";
const DEPLOYMENT_UPDATED_DESC: &str = "Total number of non-terminating pods targeted by this deployment that have the desired template spec.";
const DEPLOYMENT_AVAILABLE_DESC: &str = "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.";
const DEPLOYMENT_SELECTOR_DESC: &str = "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.";
const HPA_REFERENCE_DESC: &str = "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.";
const HPA_METRICS_DESC: &str = "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.";
const HPA_MIN_REPLICAS_DESC: &str = "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.";
const HPA_MAX_REPLICAS_DESC: &str = "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.";
const HPA_CURRENT_REPLICAS_DESC: &str = "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.";
const NETWORK_POLICY_POD_SELECTOR_DESC: &str = "Selects the pods to which this NetworkPolicy object applies.  The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods.  In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.";
const CSR_SIGNER_NAME_DESC: &str = "Requested signer for the request. It is a qualified name in the form: `scope-hostname.io/name`. If empty, it will be defaulted:\n 1. If it's a kubelet client certificate, it is assigned\n    \"kubernetes.io/kube-apiserver-client-kubelet\".\n 2. If it's a kubelet serving certificate, it is assigned\n    \"kubernetes.io/kubelet-serving\".\n 3. Otherwise, it is assigned \"kubernetes.io/legacy-unknown\".\nDistribution of trust for signers happens out of band. You can select on this field using `spec.signerName`.";
const CSR_REQUEST_DESC: &str = "Base64-encoded PKCS#10 CSR data";
const CSR_EXPIRATION_SECONDS_DESC: &str = "expirationSeconds is the requested duration of validity of the issued certificate. The certificate signer may issue a certificate with a different validity duration so a client must check the delta between the notBefore and and notAfter fields in the issued certificate to determine the actual duration.\n\nThe v1.22+ in-tree implementations of the well-known Kubernetes signers will honor this field as long as the requested duration is not greater than the maximum duration they will honor per the --cluster-signing-duration CLI flag to the Kubernetes controller manager.\n\nCertificate signers may not honor this field for various reasons:\n\n  1. Old signer that is unaware of the field (such as the in-tree\n     implementations prior to v1.22)\n  2. Signer whose configured maximum is shorter than the requested duration\n  3. Signer whose configured minimum is longer than the requested duration\n\nThe minimum valid value for expirationSeconds is 600, i.e. 10 minutes.";
const CSR_CONDITIONS_DESC: &str = "Conditions applied to the request, such as approval or denial.";
const CONTROLLER_REVISION_REVISION_DESC: &str =
    "revision indicates the revision of the state represented by Data.";
const PRIORITY_CLASS_VALUE_DESC: &str = "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.";
const PRIORITY_CLASS_GLOBAL_DEFAULT_DESC: &str = "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.";
const PRIORITY_CLASS_PREEMPTION_POLICY_DESC: &str = "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.";
const STORAGE_CLASS_PROVISIONER_DESC: &str = "provisioner indicates the type of the provisioner.";
const STORAGE_CLASS_RECLAIM_POLICY_DESC: &str = "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.";
const STORAGE_CLASS_BINDING_MODE_DESC: &str = "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.";
const STORAGE_CLASS_EXPANSION_DESC: &str =
    "allowVolumeExpansion shows whether the storage class allow volume expand.";
const VOLUME_ATTACHMENT_ATTACHER_DESC: &str = "attacher indicates the name of the volume driver that MUST handle this request. This is the name returned by GetPluginName().";
const VOLUME_ATTACHMENT_PV_DESC: &str =
    "persistentVolumeName represents the name of the persistent volume to attach.";
const VOLUME_ATTACHMENT_NODE_DESC: &str =
    "nodeName represents the node that the volume should be attached to.";
const VOLUME_ATTACHMENT_ATTACHED_DESC: &str = "attached indicates the volume is successfully attached. This field must only be set by the entity completing the attach operation, i.e. the external-attacher.";
const ENDPOINT_SLICE_ADDRESS_TYPE_DESC: &str = "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.";
const ENDPOINT_SLICE_PORTS_DESC: &str = "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates \"all ports\". Each slice may include a maximum of 100 ports.";
const ENDPOINT_SLICE_ENDPOINTS_DESC: &str = "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.";
const CSI_DRIVER_ATTACH_REQUIRED_DESC: &str = "attachRequired indicates this CSI volume driver requires an attach operation (because it implements the CSI ControllerPublishVolume() method), and that the Kubernetes attach detach controller should call the attach volume interface which checks the volumeattachment status and waits until the volume is attached before proceeding to mounting. The CSI external-attacher coordinates with CSI volume driver and updates the volumeattachment status when the attach operation is complete. If the value is specified to false, the attach operation will be skipped. Otherwise the attach operation will be called.\n\nThis field is immutable.";
const CSI_DRIVER_POD_INFO_ON_MOUNT_DESC: &str = "podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations, if set to true. If set to false, pod information will not be passed on mount. Default is false.\n\nThe CSI driver specifies podInfoOnMount as part of driver deployment. If true, Kubelet will pass pod information as VolumeContext in the CSI NodePublishVolume() calls. The CSI driver is responsible for parsing and validating the information passed in as VolumeContext.\n\nThe following VolumeContext will be passed if podInfoOnMount is set to true. This list might grow, but the prefix will be used. \"csi.storage.k8s.io/pod.name\": pod.Name \"csi.storage.k8s.io/pod.namespace\": pod.Namespace \"csi.storage.k8s.io/pod.uid\": string(pod.UID) \"csi.storage.k8s.io/ephemeral\": \"true\" if the volume is an ephemeral inline volume\n                                defined by a CSIVolumeSource, otherwise \"false\"\n\n\"csi.storage.k8s.io/ephemeral\" is a new feature in Kubernetes 1.16. It is only required for drivers which support both the \"Persistent\" and \"Ephemeral\" VolumeLifecycleMode. Other drivers can leave pod info disabled and/or ignore this field. As Kubernetes 1.15 doesn't support this field, drivers can only support one mode when deployed on such a cluster and the deployment determines which mode that is, for example via a command line parameter of the driver.\n\nThis field was immutable in Kubernetes < 1.29 and now is mutable.";
const CSI_DRIVER_STORAGE_CAPACITY_DESC: &str = "storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report by creating CSIStorageCapacity objects with capacity information, if set to true.\n\nThe check can be enabled immediately when deploying a driver. In that case, provisioning new volumes with late binding will pause until the driver deployment has published some suitable CSIStorageCapacity object.\n\nAlternatively, the driver can be deployed with the field unset or false and it can be flipped later when storage capacity information has been published.\n\nThis field was immutable in Kubernetes <= 1.22 and now is mutable.";
const CSI_DRIVER_TOKEN_REQUESTS_DESC: &str = "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for to do necessary authentication. Kubelet will pass the tokens in VolumeContext in the CSI NodePublishVolume calls. The CSI driver should parse and validate the following VolumeContext: \"csi.storage.k8s.io/serviceAccount.tokens\": {\n  \"<audience>\": {\n    \"token\": <token>,\n    \"expirationTimestamp\": <expiration timestamp in RFC3339>,\n  },\n  ...\n}\n\nNote: Audience in each TokenRequest should be different and at most one token is empty string. To receive a new token after expiry, RequiresRepublish can be used to trigger NodePublishVolume periodically.";
const CSI_DRIVER_REQUIRES_REPUBLISH_DESC: &str = "requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume. This field defaults to false.\n\nNote: After a successful initial NodePublishVolume call, subsequent calls to NodePublishVolume should only update the contents of the volume. New mount points will not be seen by a running container.";
const CSI_DRIVER_MODES_DESC: &str = "volumeLifecycleModes defines what kind of volumes this CSI volume driver supports. The default if the list is empty is \"Persistent\", which is the usage defined by the CSI specification and implemented in Kubernetes via the usual PV/PVC mechanism.\n\nThe other mode is \"Ephemeral\". In this mode, volumes are defined inline inside the pod spec with CSIVolumeSource and their lifecycle is tied to the lifecycle of that pod. A driver has to be aware of this because it is only going to get a NodePublishVolume call for such a volume.\n\nFor more information about implementing this mode, see https://kubernetes-csi.github.io/docs/ephemeral-local-volumes.html A driver can support one or more of these modes and more modes may be added in the future.\n\nThis field is beta. This field is immutable.";
const CSI_STORAGE_CAPACITY_CLASS_DESC: &str = "storageClassName represents the name of the StorageClass that the reported capacity applies to. It must meet the same requirements as the name of a StorageClass object (non-empty, DNS subdomain). If that object no longer exists, the CSIStorageCapacity object is obsolete and should be removed by its creator. This field is immutable.";
const CSI_STORAGE_CAPACITY_CAPACITY_DESC: &str = "capacity is the value reported by the CSI driver in its GetCapacityResponse for a GetCapacityRequest with topology and parameters that match the previous fields.\n\nThe semantic is currently (CSI spec 1.2) defined as: The available capacity, in bytes, of the storage that can be used to provision volumes. If not set, that information is currently unavailable.";
const FLOW_SCHEMA_PRIORITY_LEVEL_DESC: &str =
    "`name` is the name of the priority level configuration being referenced Required.";
const FLOW_SCHEMA_PRECEDENCE_DESC: &str = "`matchingPrecedence` is used to choose among the FlowSchemas that match a given request. The chosen FlowSchema is among those with the numerically lowest (which we take to be logically highest) MatchingPrecedence.  Each MatchingPrecedence value must be ranged in [1,10000]. Note that if the precedence is not specified, it will be set to 1000 as default.";
const FLOW_SCHEMA_DISTINGUISHER_DESC: &str = "`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema. `nil` specifies that the distinguisher is disabled and thus will always be the empty string.";
const PRIORITY_LEVEL_TYPE_DESC: &str = "`type` indicates whether this priority level is subject to limitation on request execution.  A value of `\"Exempt\"` means that requests of this priority level are not subject to a limit (and thus are never queued) and do not detract from the capacity made available to other priority levels.  A value of `\"Limited\"` means that (a) requests of this priority level _are_ subject to limits and (b) some of the server's limited capacity is made available exclusively to this priority level. Required.";
const PRIORITY_LEVEL_SHARES_DESC: &str = "`nominalConcurrencyShares` (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level. This is the number of execution seats available at this priority level. This is used both for requests dispatched from this priority level as well as requests dispatched from other priority levels borrowing seats from this level. The server's concurrency limit (ServerCL) is divided among the Limited priority levels in proportion to their NCS values:\n\nNominalCL(i)  = ceil( ServerCL * NCS(i) / sum_ncs ) sum_ncs = sum[priority level k] NCS(k)\n\nBigger numbers mean a larger nominal concurrency limit, at the expense of every other priority level.\n\nIf not specified, this field defaults to a value of 30.\n\nSetting this field to zero supports the construction of a \"jail\" for this priority level that is used to hold some request(s)";
const PRIORITY_LEVEL_QUEUES_DESC: &str = "`queues` is the number of queues for this priority level. The queues exist independently at each apiserver. The value must be positive.  Setting it to 1 effectively precludes shufflesharding and thus makes the distinguisher method of associated flow schemas irrelevant.  This field has a default value of 64.";
const PRIORITY_LEVEL_HAND_SIZE_DESC: &str = "`handSize` is a small positive number that configures the shuffle sharding of requests into queues.  When enqueuing a request at this priority level the request's flow identifier (a string pair) is hashed and the hash value is used to shuffle the list of queues and deal a hand of the size specified here.  The request is put into one of the shortest queues in that hand. `handSize` must be no larger than `queues`, and should be significantly smaller (so that a few heavy flows do not saturate most of the queues).  See the user-facing documentation for more extensive guidance on setting this field.  This field has a default value of 8.";
const PRIORITY_LEVEL_QUEUE_LENGTH_DESC: &str = "`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time; excess requests are rejected.  This value must be positive.  If not specified, it will be defaulted to 50.";
const SERVICE_CIDR_CIDRS_DESC: &str = "CIDRs defines the IP blocks in CIDR notation (e.g. \"192.168.0.0/24\" or \"2001:db8::/64\") from which to assign service cluster IPs. Max of two CIDRs is allowed, one of each IP family. This field is immutable.";
const IP_ADDRESS_PARENT_REF_DESC: &str = "ParentRef references the resource that an IPAddress is attached to. An IPAddress must reference a parent object.";
const VOLUME_ATTRIBUTES_CLASS_DRIVER_DESC: &str = "Name of the CSI driver This field is immutable.";

const CONTAINERS_DESC: &str = "Names of each container in the template.";
const IMAGES_DESC: &str = "Images referenced by each container in the template.";
const READY_PODS_DESC: &str = "Number of the pod with ready state";

/// One `TableColumnDefinition`; every field is always present, as Go serializes them.
fn column(name: &str, type_: &str, format: &str, description: &str, priority: i32) -> Value {
    json!({
        "name": name,
        "type": type_,
        "format": format,
        "description": description,
        "priority": priority,
    })
}

/// A priority-0 column without a format, the common case.
fn col(name: &str, type_: &str, description: &str) -> Value {
    column(name, type_, "", description, 0)
}

/// A priority-1 column: sent by the server, shown by kubectl only with `-o wide`.
fn wide(name: &str, type_: &str, description: &str) -> Value {
    column(name, type_, "", description, 1)
}

fn name_column() -> Value {
    column("Name", "string", "name", NAME_DESC, 0)
}

fn age_column() -> Value {
    col("Age", "string", CREATION_TIMESTAMP_DESC)
}

/// Which printer a resource gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Printer {
    Pod,
    PodTemplate,
    PodDisruptionBudget,
    ReplicationController,
    ReplicaSet,
    DaemonSet,
    Job,
    CronJob,
    Service,
    Ingress,
    IngressClass,
    StatefulSet,
    Endpoints,
    Node,
    Event,
    Namespace,
    Secret,
    ServiceAccount,
    PersistentVolume,
    PersistentVolumeClaim,
    ComponentStatus,
    Deployment,
    HorizontalPodAutoscaler,
    ConfigMap,
    NetworkPolicy,
    RoleBinding,
    ClusterRoleBinding,
    CertificateSigningRequest,
    Lease,
    StorageClass,
    VolumeAttributesClass,
    ControllerRevision,
    ResourceQuota,
    PriorityClass,
    RuntimeClass,
    VolumeAttachment,
    EndpointSlice,
    CsiNode,
    CsiDriver,
    CsiStorageCapacity,
    MutatingWebhookConfiguration,
    ValidatingWebhookConfiguration,
    ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding,
    MutatingAdmissionPolicy,
    MutatingAdmissionPolicyBinding,
    FlowSchema,
    PriorityLevelConfiguration,
    ServiceCidr,
    IpAddress,
    DeviceClass,
    ResourceClaim,
    ResourceClaimTemplate,
    /// kube-aggregator's own convertor (Name, Service, Available, Age).
    ApiService,
    /// The `scale` subresource of any resource (an `autoscaling/v1 Scale`): Name, Desired,
    /// Available, Age.
    Scale,
    /// `rest.NewDefaultTableConvertor`: Name and Created At.
    Default,
}

impl Printer {
    fn for_resource(group: &str, resource: &str) -> Self {
        match (group, resource) {
            ("", "pods") => Self::Pod,
            ("", "podtemplates") => Self::PodTemplate,
            ("", "replicationcontrollers") => Self::ReplicationController,
            ("", "services") => Self::Service,
            ("", "endpoints") => Self::Endpoints,
            ("", "nodes") => Self::Node,
            ("", "namespaces") => Self::Namespace,
            ("", "configmaps") => Self::ConfigMap,
            ("", "secrets") => Self::Secret,
            ("", "serviceaccounts") => Self::ServiceAccount,
            ("", "persistentvolumes") => Self::PersistentVolume,
            ("", "persistentvolumeclaims") => Self::PersistentVolumeClaim,
            ("", "componentstatuses") => Self::ComponentStatus,
            ("", "resourcequotas") => Self::ResourceQuota,
            // Both event APIs share one storage and one printer over the internal Event.
            ("" | "events.k8s.io", "events") => Self::Event,
            ("policy", "poddisruptionbudgets") => Self::PodDisruptionBudget,
            ("apps", "replicasets") => Self::ReplicaSet,
            ("apps", "daemonsets") => Self::DaemonSet,
            ("apps", "statefulsets") => Self::StatefulSet,
            ("apps", "deployments") => Self::Deployment,
            ("apps", "controllerrevisions") => Self::ControllerRevision,
            ("batch", "jobs") => Self::Job,
            ("batch", "cronjobs") => Self::CronJob,
            ("networking.k8s.io", "ingresses") => Self::Ingress,
            ("networking.k8s.io", "ingressclasses") => Self::IngressClass,
            ("networking.k8s.io", "networkpolicies") => Self::NetworkPolicy,
            ("networking.k8s.io", "servicecidrs") => Self::ServiceCidr,
            ("networking.k8s.io", "ipaddresses") => Self::IpAddress,
            ("autoscaling", "horizontalpodautoscalers") => Self::HorizontalPodAutoscaler,
            ("rbac.authorization.k8s.io", "rolebindings") => Self::RoleBinding,
            ("rbac.authorization.k8s.io", "clusterrolebindings") => Self::ClusterRoleBinding,
            ("certificates.k8s.io", "certificatesigningrequests") => {
                Self::CertificateSigningRequest
            }
            ("coordination.k8s.io", "leases") => Self::Lease,
            ("storage.k8s.io", "storageclasses") => Self::StorageClass,
            ("storage.k8s.io", "volumeattributesclasses") => Self::VolumeAttributesClass,
            ("storage.k8s.io", "volumeattachments") => Self::VolumeAttachment,
            ("storage.k8s.io", "csinodes") => Self::CsiNode,
            ("storage.k8s.io", "csidrivers") => Self::CsiDriver,
            ("storage.k8s.io", "csistoragecapacities") => Self::CsiStorageCapacity,
            ("scheduling.k8s.io", "priorityclasses") => Self::PriorityClass,
            ("node.k8s.io", "runtimeclasses") => Self::RuntimeClass,
            ("discovery.k8s.io", "endpointslices") => Self::EndpointSlice,
            ("admissionregistration.k8s.io", "mutatingwebhookconfigurations") => {
                Self::MutatingWebhookConfiguration
            }
            ("admissionregistration.k8s.io", "validatingwebhookconfigurations") => {
                Self::ValidatingWebhookConfiguration
            }
            ("admissionregistration.k8s.io", "validatingadmissionpolicies") => {
                Self::ValidatingAdmissionPolicy
            }
            ("admissionregistration.k8s.io", "validatingadmissionpolicybindings") => {
                Self::ValidatingAdmissionPolicyBinding
            }
            ("admissionregistration.k8s.io", "mutatingadmissionpolicies") => {
                Self::MutatingAdmissionPolicy
            }
            ("admissionregistration.k8s.io", "mutatingadmissionpolicybindings") => {
                Self::MutatingAdmissionPolicyBinding
            }
            ("flowcontrol.apiserver.k8s.io", "flowschemas") => Self::FlowSchema,
            ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations") => {
                Self::PriorityLevelConfiguration
            }
            ("resource.k8s.io", "deviceclasses") => Self::DeviceClass,
            ("resource.k8s.io", "resourceclaims") => Self::ResourceClaim,
            ("resource.k8s.io", "resourceclaimtemplates") => Self::ResourceClaimTemplate,
            ("apiregistration.k8s.io", "apiservices") => Self::ApiService,
            ("autoscaling", "scale") => Self::Scale,
            _ => Self::Default,
        }
    }
}

/// Whether the resource has a printer of its own (otherwise it gets the default table).
pub fn has_builtin_printer(group: &str, resource: &str) -> bool {
    Printer::for_resource(group, resource) != Printer::Default
}

/// The `columnDefinitions` of the Table for a resource (the default two for unknown ones).
pub fn builtin_columns(group: &str, resource: &str) -> Vec<Value> {
    match Printer::for_resource(group, resource) {
        Printer::Pod => vec![
            name_column(),
            col(
                "Ready",
                "string",
                "The aggregate readiness state of this pod for accepting traffic.",
            ),
            col(
                "Status",
                "string",
                "The aggregate status of the containers in this pod.",
            ),
            col(
                "Restarts",
                "string",
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            ),
            age_column(),
            wide("IP", "string", POD_IP_DESC),
            wide("Node", "string", POD_NODE_NAME_DESC),
            wide("Nominated Node", "string", POD_NOMINATED_NODE_DESC),
            wide("Readiness Gates", "string", POD_READINESS_GATES_DESC),
        ],
        Printer::PodTemplate => vec![
            name_column(),
            col("Containers", "string", CONTAINERS_DESC),
            col("Images", "string", IMAGES_DESC),
            col("Pod Labels", "string", "The labels for the pod template."),
        ],
        Printer::PodDisruptionBudget => vec![
            name_column(),
            col(
                "Min Available",
                "string",
                "The minimum number of pods that must be available.",
            ),
            col(
                "Max Unavailable",
                "string",
                "The maximum number of pods that may be unavailable.",
            ),
            col(
                "Allowed Disruptions",
                "integer",
                "Calculated number of pods that may be disrupted at this time.",
            ),
            age_column(),
        ],
        Printer::ReplicationController => vec![
            name_column(),
            col("Desired", "integer", RC_SPEC_REPLICAS_DESC),
            col("Current", "integer", RC_STATUS_REPLICAS_DESC),
            col("Ready", "integer", RC_READY_REPLICAS_DESC),
            age_column(),
            wide("Containers", "string", CONTAINERS_DESC),
            wide("Images", "string", IMAGES_DESC),
            wide("Selector", "string", RC_SELECTOR_DESC),
        ],
        Printer::ReplicaSet => vec![
            name_column(),
            col("Desired", "integer", RS_SPEC_REPLICAS_DESC),
            col("Current", "integer", RS_STATUS_REPLICAS_DESC),
            col("Ready", "integer", RS_READY_REPLICAS_DESC),
            age_column(),
            wide("Containers", "string", CONTAINERS_DESC),
            wide("Images", "string", IMAGES_DESC),
            wide("Selector", "string", RS_SELECTOR_DESC),
        ],
        Printer::DaemonSet => vec![
            name_column(),
            col("Desired", "integer", DS_DESIRED_DESC),
            col("Current", "integer", DS_CURRENT_DESC),
            col("Ready", "integer", DS_READY_DESC),
            col("Up-to-date", "integer", DS_UPDATED_DESC),
            col("Available", "integer", DS_AVAILABLE_DESC),
            col("Node Selector", "string", POD_NODE_SELECTOR_DESC),
            age_column(),
            wide("Containers", "string", CONTAINERS_DESC),
            wide("Images", "string", IMAGES_DESC),
            wide("Selector", "string", DS_SELECTOR_DESC),
        ],
        Printer::Job => vec![
            name_column(),
            col("Status", "string", "Status of the job."),
            col("Completions", "string", JOB_SUCCEEDED_DESC),
            col("Duration", "string", "Time required to complete the job."),
            age_column(),
            wide("Containers", "string", CONTAINERS_DESC),
            wide("Images", "string", IMAGES_DESC),
            wide("Selector", "string", JOB_SELECTOR_DESC),
        ],
        Printer::CronJob => vec![
            name_column(),
            col("Schedule", "string", CRON_SCHEDULE_DESC),
            col("Timezone", "string", CRON_TIME_ZONE_DESC),
            col("Suspend", "boolean", CRON_SUSPEND_DESC),
            col("Active", "integer", CRON_ACTIVE_DESC),
            col("Last Schedule", "string", CRON_LAST_SCHEDULE_DESC),
            age_column(),
            wide("Containers", "string", CONTAINERS_DESC),
            wide("Images", "string", IMAGES_DESC),
            wide("Selector", "string", JOB_SELECTOR_DESC),
        ],
        Printer::Service => vec![
            name_column(),
            col("Type", "string", SERVICE_TYPE_DESC),
            col("Cluster-IP", "string", SERVICE_CLUSTER_IP_DESC),
            col("External-IP", "string", SERVICE_EXTERNAL_IPS_DESC),
            col("Port(s)", "string", SERVICE_PORTS_DESC),
            age_column(),
            wide("Selector", "string", SERVICE_SELECTOR_DESC),
        ],
        Printer::Ingress => vec![
            name_column(),
            col(
                "Class",
                "string",
                "The name of the IngressClass resource that should be used for additional configuration",
            ),
            col(
                "Hosts",
                "string",
                "Hosts that incoming requests are matched against before the ingress rule",
            ),
            col(
                "Address",
                "string",
                "Address is a list containing ingress points for the load-balancer",
            ),
            col("Ports", "string", "Ports of TLS configurations that open"),
            age_column(),
        ],
        Printer::IngressClass => vec![
            name_column(),
            col(
                "Controller",
                "string",
                "Controller that is responsible for handling this class",
            ),
            col(
                "Parameters",
                "string",
                "A reference to a resource with additional parameters",
            ),
            age_column(),
        ],
        Printer::StatefulSet => vec![
            name_column(),
            col("Ready", "string", READY_PODS_DESC),
            age_column(),
            wide("Containers", "string", CONTAINERS_DESC),
            wide("Images", "string", IMAGES_DESC),
        ],
        Printer::Endpoints => vec![
            name_column(),
            col("Endpoints", "string", ENDPOINTS_SUBSETS_DESC),
            age_column(),
        ],
        Printer::Node => vec![
            name_column(),
            col("Status", "string", "The status of the node"),
            col("Roles", "string", "The roles of the node"),
            age_column(),
            col("Version", "string", NODE_KUBELET_VERSION_DESC),
            wide("Internal-IP", "string", NODE_ADDRESSES_DESC),
            wide("External-IP", "string", NODE_ADDRESSES_DESC),
            wide("OS-Image", "string", NODE_OS_IMAGE_DESC),
            wide("Kernel-Version", "string", NODE_KERNEL_VERSION_DESC),
            wide("Container-Runtime", "string", NODE_CONTAINER_RUNTIME_DESC),
        ],
        Printer::Event => vec![
            col("Last Seen", "string", EVENT_LAST_TIMESTAMP_DESC),
            col("Type", "string", EVENT_TYPE_DESC),
            col("Reason", "string", EVENT_REASON_DESC),
            col("Object", "string", EVENT_INVOLVED_OBJECT_DESC),
            wide("Subobject", "string", OBJECT_REFERENCE_FIELD_PATH_DESC),
            wide("Source", "string", EVENT_SOURCE_DESC),
            col("Message", "string", EVENT_MESSAGE_DESC),
            wide("First Seen", "string", EVENT_FIRST_TIMESTAMP_DESC),
            wide("Count", "string", EVENT_COUNT_DESC),
            column("Name", "string", "name", NAME_DESC, 1),
        ],
        Printer::Namespace => vec![
            name_column(),
            col("Status", "string", "The status of the namespace"),
            age_column(),
        ],
        Printer::Secret => vec![
            name_column(),
            col("Type", "string", SECRET_TYPE_DESC),
            col("Data", "string", SECRET_DATA_DESC),
            age_column(),
        ],
        // Kubernetes 1.36 prints no Secrets column any more (token Secrets are not created).
        Printer::ServiceAccount => vec![name_column(), age_column()],
        Printer::PersistentVolume => vec![
            name_column(),
            col("Capacity", "string", PV_CAPACITY_DESC),
            col("Access Modes", "string", PV_ACCESS_MODES_DESC),
            col("Reclaim Policy", "string", PV_RECLAIM_POLICY_DESC),
            col("Status", "string", PV_PHASE_DESC),
            col("Claim", "string", PV_CLAIM_REF_DESC),
            col("StorageClass", "string", "StorageClass of the pv"),
            col(
                "VolumeAttributesClass",
                "string",
                "VolumeAttributesClass of the pv",
            ),
            col("Reason", "string", PV_REASON_DESC),
            age_column(),
            wide("VolumeMode", "string", PV_VOLUME_MODE_DESC),
        ],
        Printer::PersistentVolumeClaim => vec![
            name_column(),
            col("Status", "string", PVC_PHASE_DESC),
            col("Volume", "string", PVC_VOLUME_NAME_DESC),
            col("Capacity", "string", PVC_CAPACITY_DESC),
            col("Access Modes", "string", PVC_ACCESS_MODES_DESC),
            col("StorageClass", "string", "StorageClass of the pvc"),
            col(
                "VolumeAttributesClass",
                "string",
                "VolumeAttributesClass of the pvc",
            ),
            age_column(),
            wide("VolumeMode", "string", PVC_VOLUME_MODE_DESC),
        ],
        Printer::ComponentStatus => vec![
            name_column(),
            col("Status", "string", "Status of the component conditions"),
            col("Message", "string", "Message of the component conditions"),
            col("Error", "string", "Error of the component conditions"),
        ],
        Printer::Deployment => vec![
            name_column(),
            col("Ready", "string", READY_PODS_DESC),
            col("Up-to-date", "string", DEPLOYMENT_UPDATED_DESC),
            col("Available", "string", DEPLOYMENT_AVAILABLE_DESC),
            age_column(),
            wide("Containers", "string", CONTAINERS_DESC),
            wide("Images", "string", IMAGES_DESC),
            wide("Selector", "string", DEPLOYMENT_SELECTOR_DESC),
        ],
        Printer::HorizontalPodAutoscaler => vec![
            name_column(),
            col("Reference", "string", HPA_REFERENCE_DESC),
            col("Targets", "string", HPA_METRICS_DESC),
            col("MinPods", "string", HPA_MIN_REPLICAS_DESC),
            col("MaxPods", "string", HPA_MAX_REPLICAS_DESC),
            col("Replicas", "string", HPA_CURRENT_REPLICAS_DESC),
            age_column(),
        ],
        Printer::ConfigMap => vec![
            name_column(),
            col("Data", "string", CONFIG_MAP_DATA_DESC),
            age_column(),
        ],
        Printer::NetworkPolicy => vec![
            name_column(),
            col("Pod-Selector", "string", NETWORK_POLICY_POD_SELECTOR_DESC),
            age_column(),
        ],
        Printer::RoleBinding => binding_columns(ROLE_BINDING_ROLE_REF_DESC, "roleBinding"),
        Printer::ClusterRoleBinding => {
            binding_columns(CLUSTER_ROLE_BINDING_ROLE_REF_DESC, "clusterRoleBinding")
        }
        Printer::CertificateSigningRequest => vec![
            name_column(),
            age_column(),
            col("SignerName", "string", CSR_SIGNER_NAME_DESC),
            col("Requestor", "string", CSR_REQUEST_DESC),
            col("RequestedDuration", "string", CSR_EXPIRATION_SECONDS_DESC),
            col("Condition", "string", CSR_CONDITIONS_DESC),
        ],
        Printer::Lease => vec![
            name_column(),
            col("Holder", "string", LEASE_HOLDER_DESC),
            age_column(),
        ],
        Printer::StorageClass => vec![
            name_column(),
            col("Provisioner", "string", STORAGE_CLASS_PROVISIONER_DESC),
            col("ReclaimPolicy", "string", STORAGE_CLASS_RECLAIM_POLICY_DESC),
            col(
                "VolumeBindingMode",
                "string",
                STORAGE_CLASS_BINDING_MODE_DESC,
            ),
            col(
                "AllowVolumeExpansion",
                "string",
                STORAGE_CLASS_EXPANSION_DESC,
            ),
            age_column(),
        ],
        Printer::VolumeAttributesClass => vec![
            name_column(),
            col("DriverName", "string", VOLUME_ATTRIBUTES_CLASS_DRIVER_DESC),
            age_column(),
        ],
        Printer::ControllerRevision => vec![
            name_column(),
            col("Controller", "string", "Controller of the object"),
            col("Revision", "string", CONTROLLER_REVISION_REVISION_DESC),
            age_column(),
        ],
        Printer::ResourceQuota => vec![
            name_column(),
            col(
                "Request",
                "string",
                "Request represents a minimum amount of cpu/memory that a container may consume.",
            ),
            col(
                "Limit",
                "string",
                "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
            ),
            age_column(),
        ],
        Printer::PriorityClass => vec![
            name_column(),
            col("Value", "integer", PRIORITY_CLASS_VALUE_DESC),
            col(
                "Global-Default",
                "boolean",
                PRIORITY_CLASS_GLOBAL_DEFAULT_DESC,
            ),
            age_column(),
            col(
                "PreemptionPolicy",
                "string",
                PRIORITY_CLASS_PREEMPTION_POLICY_DESC,
            ),
        ],
        // The printer takes the Handler description from ObjectMeta, which has none.
        Printer::RuntimeClass => vec![name_column(), col("Handler", "string", ""), age_column()],
        Printer::VolumeAttachment => vec![
            name_column(),
            column(
                "Attacher",
                "string",
                "name",
                VOLUME_ATTACHMENT_ATTACHER_DESC,
                0,
            ),
            col("PV", "string", VOLUME_ATTACHMENT_PV_DESC),
            col("Node", "string", VOLUME_ATTACHMENT_NODE_DESC),
            col("Attached", "boolean", VOLUME_ATTACHMENT_ATTACHED_DESC),
            age_column(),
        ],
        Printer::EndpointSlice => vec![
            name_column(),
            col("AddressType", "string", ENDPOINT_SLICE_ADDRESS_TYPE_DESC),
            col("Ports", "string", ENDPOINT_SLICE_PORTS_DESC),
            col("Endpoints", "string", ENDPOINT_SLICE_ENDPOINTS_DESC),
            age_column(),
        ],
        Printer::CsiNode => vec![
            name_column(),
            col(
                "Drivers",
                "integer",
                "Drivers indicates the number of CSI drivers registered on the node",
            ),
            age_column(),
        ],
        Printer::CsiDriver => vec![
            name_column(),
            col("AttachRequired", "boolean", CSI_DRIVER_ATTACH_REQUIRED_DESC),
            col(
                "PodInfoOnMount",
                "boolean",
                CSI_DRIVER_POD_INFO_ON_MOUNT_DESC,
            ),
            col(
                "StorageCapacity",
                "boolean",
                CSI_DRIVER_STORAGE_CAPACITY_DESC,
            ),
            col("TokenRequests", "string", CSI_DRIVER_TOKEN_REQUESTS_DESC),
            col(
                "RequiresRepublish",
                "boolean",
                CSI_DRIVER_REQUIRES_REPUBLISH_DESC,
            ),
            col("Modes", "string", CSI_DRIVER_MODES_DESC),
            age_column(),
        ],
        Printer::CsiStorageCapacity => vec![
            name_column(),
            col(
                "StorageClassName",
                "string",
                CSI_STORAGE_CAPACITY_CLASS_DESC,
            ),
            col("Capacity", "string", CSI_STORAGE_CAPACITY_CAPACITY_DESC),
        ],
        Printer::MutatingWebhookConfiguration | Printer::ValidatingWebhookConfiguration => vec![
            name_column(),
            col(
                "Webhooks",
                "integer",
                "Webhooks indicates the number of webhooks registered in this configuration",
            ),
            age_column(),
        ],
        Printer::ValidatingAdmissionPolicy => vec![
            name_column(),
            col(
                "Validations",
                "integer",
                "Validations indicates the number of validation rules defined in this configuration",
            ),
            col("ParamKind", "string", PARAM_KIND_DESC),
            age_column(),
        ],
        Printer::MutatingAdmissionPolicy => vec![
            name_column(),
            col(
                "Mutations",
                "integer",
                "Mutation indicates the number of mutations rules defined in this configuration",
            ),
            col("ParamKind", "string", PARAM_KIND_DESC),
            age_column(),
        ],
        Printer::ValidatingAdmissionPolicyBinding | Printer::MutatingAdmissionPolicyBinding => {
            vec![
                name_column(),
                col(
                    "PolicyName",
                    "string",
                    "PolicyName indicates the policy definition which the policy binding binded to",
                ),
                col(
                    "ParamRef",
                    "string",
                    "ParamRef indicates the param resource which sets the configration param",
                ),
                age_column(),
            ]
        }
        Printer::FlowSchema => vec![
            name_column(),
            col("PriorityLevel", "string", FLOW_SCHEMA_PRIORITY_LEVEL_DESC),
            col("MatchingPrecedence", "string", FLOW_SCHEMA_PRECEDENCE_DESC),
            col(
                "DistinguisherMethod",
                "string",
                FLOW_SCHEMA_DISTINGUISHER_DESC,
            ),
            age_column(),
            col(
                "MissingPL",
                "string",
                "references a broken or non-existent PriorityLevelConfiguration",
            ),
        ],
        Printer::PriorityLevelConfiguration => vec![
            name_column(),
            col("Type", "string", PRIORITY_LEVEL_TYPE_DESC),
            col(
                "NominalConcurrencyShares",
                "string",
                PRIORITY_LEVEL_SHARES_DESC,
            ),
            col("Queues", "string", PRIORITY_LEVEL_QUEUES_DESC),
            col("HandSize", "string", PRIORITY_LEVEL_HAND_SIZE_DESC),
            col(
                "QueueLengthLimit",
                "string",
                PRIORITY_LEVEL_QUEUE_LENGTH_DESC,
            ),
            age_column(),
        ],
        Printer::ServiceCidr => vec![
            name_column(),
            col("CIDRs", "string", SERVICE_CIDR_CIDRS_DESC),
            age_column(),
        ],
        // The IPAddress printer declares two columns but fills three cells (Age is extra).
        Printer::IpAddress => vec![
            name_column(),
            col("ParentRef", "string", IP_ADDRESS_PARENT_REF_DESC),
        ],
        Printer::DeviceClass | Printer::ResourceClaimTemplate => vec![name_column(), age_column()],
        Printer::ResourceClaim => vec![
            name_column(),
            col(
                "State",
                "string",
                "A summary of the current state (allocated, pending, reserved, etc.).",
            ),
            age_column(),
        ],
        Printer::ApiService => vec![
            name_column(),
            col(
                "Service",
                "string",
                "The reference to the service that hosts this API endpoint.",
            ),
            col("Available", "string", "Whether this service is available."),
            age_column(),
        ],
        Printer::Scale => vec![
            name_column(),
            col(
                "Desired",
                "integer",
                "desired number of instances for the scaled object.",
            ),
            col(
                "Available",
                "integer",
                "actual number of observed instances of the scaled object.",
            ),
            age_column(),
        ],
        Printer::Default => vec![
            name_column(),
            col("Created At", "date", CREATION_TIMESTAMP_DESC),
        ],
    }
}

const PARAM_KIND_DESC: &str =
    "ParamKind specifies the kind of resources used to parameterize this policy";

fn binding_columns(role_ref_desc: &str, noun: &str) -> Vec<Value> {
    vec![
        name_column(),
        col("Role", "string", role_ref_desc),
        age_column(),
        wide("Users", "string", &format!("Users in the {noun}")),
        wide("Groups", "string", &format!("Groups in the {noun}")),
        wide(
            "ServiceAccounts",
            "string",
            &format!("ServiceAccounts in the {noun}"),
        ),
    ]
}

/// The `cells` of one object's row, matching [`builtin_columns`] (wide cells included).
pub fn builtin_row_cells(group: &str, resource: &str, obj: &Value, now: Timestamp) -> Vec<Value> {
    let name = json!(s(obj, &["metadata", "name"]));
    let age = || json!(age_of(obj, now));
    match Printer::for_resource(group, resource) {
        Printer::Pod => pod_cells(obj, now),
        Printer::PodTemplate => {
            let (names, images) = container_cells(obj, &["template", "spec", "containers"]);
            vec![
                name,
                json!(names),
                json!(images),
                json!(format_labels(at(obj, &["template", "metadata", "labels"]))),
            ]
        }
        Printer::PodDisruptionBudget => vec![
            name,
            json!(int_or_string(obj, &["spec", "minAvailable"])),
            json!(int_or_string(obj, &["spec", "maxUnavailable"])),
            json!(int(obj, &["status", "disruptionsAllowed"])),
            age(),
        ],
        Printer::ReplicationController => {
            let (names, images) = container_cells(obj, &["spec", "template", "spec", "containers"]);
            vec![
                name,
                json!(int(obj, &["spec", "replicas"])),
                json!(int(obj, &["status", "replicas"])),
                json!(int(obj, &["status", "readyReplicas"])),
                age(),
                json!(names),
                json!(images),
                json!(format_labels(at(obj, &["spec", "selector"]))),
            ]
        }
        Printer::ReplicaSet => {
            let (names, images) = container_cells(obj, &["spec", "template", "spec", "containers"]);
            vec![
                name,
                json!(int(obj, &["spec", "replicas"])),
                json!(int(obj, &["status", "replicas"])),
                json!(int(obj, &["status", "readyReplicas"])),
                age(),
                json!(names),
                json!(images),
                json!(format_label_selector(at(obj, &["spec", "selector"]))),
            ]
        }
        Printer::DaemonSet => {
            let (names, images) = container_cells(obj, &["spec", "template", "spec", "containers"]);
            vec![
                name,
                json!(int(obj, &["status", "desiredNumberScheduled"])),
                json!(int(obj, &["status", "currentNumberScheduled"])),
                json!(int(obj, &["status", "numberReady"])),
                json!(int(obj, &["status", "updatedNumberScheduled"])),
                json!(int(obj, &["status", "numberAvailable"])),
                json!(format_labels(at(
                    obj,
                    &["spec", "template", "spec", "nodeSelector"]
                ))),
                age(),
                json!(names),
                json!(images),
                json!(format_label_selector(at(obj, &["spec", "selector"]))),
            ]
        }
        Printer::Job => job_cells(obj, now),
        Printer::CronJob => {
            let last_schedule = match at(obj, &["status", "lastScheduleTime"]) {
                Some(t) if !t.is_null() => translate_timestamp_since(Some(t), now),
                _ => "<none>".to_string(),
            };
            let time_zone = at(obj, &["spec", "timeZone"])
                .and_then(Value::as_str)
                .unwrap_or("<none>");
            let suspend = match at(obj, &["spec", "suspend"]).and_then(Value::as_bool) {
                Some(true) => "True",
                Some(false) => "False",
                None => "<unset>",
            };
            let (names, images) = container_cells(
                obj,
                &[
                    "spec",
                    "jobTemplate",
                    "spec",
                    "template",
                    "spec",
                    "containers",
                ],
            );
            vec![
                name,
                json!(s(obj, &["spec", "schedule"])),
                json!(time_zone),
                json!(suspend),
                json!(arr(obj, &["status", "active"]).len()),
                json!(last_schedule),
                age(),
                json!(names),
                json!(images),
                json!(format_label_selector(at(
                    obj,
                    &["spec", "jobTemplate", "spec", "selector"]
                ))),
            ]
        }
        Printer::Service => service_cells(obj, now),
        Printer::Ingress => {
            let class = at(obj, &["spec", "ingressClassName"])
                .and_then(Value::as_str)
                .unwrap_or("<none>");
            let ports = if arr(obj, &["spec", "tls"]).is_empty() {
                "80"
            } else {
                "80, 443"
            };
            vec![
                name,
                json!(class),
                json!(format_hosts(arr(obj, &["spec", "rules"]))),
                json!(load_balancer_status(obj)),
                json!(ports),
                age(),
            ]
        }
        Printer::IngressClass => {
            let parameters = match at(obj, &["spec", "parameters"]).filter(|p| p.is_object()) {
                None => "<none>".to_string(),
                Some(p) => {
                    let kind = match at(p, &["apiGroup"]).and_then(Value::as_str) {
                        Some(group) => format!("{}.{group}", s(p, &["kind"])),
                        None => s(p, &["kind"]).to_string(),
                    };
                    format!("{kind}/{}", s(p, &["name"]))
                }
            };
            vec![
                name,
                json!(s(obj, &["spec", "controller"])),
                json!(parameters),
                age(),
            ]
        }
        Printer::StatefulSet => {
            let (names, images) = container_cells(obj, &["spec", "template", "spec", "containers"]);
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    int(obj, &["status", "readyReplicas"]),
                    int(obj, &["spec", "replicas"])
                )),
                age(),
                json!(names),
                json!(images),
            ]
        }
        Printer::Endpoints => vec![name, json!(format_endpoints(obj)), age()],
        Printer::Node => node_cells(obj, now),
        Printer::Event => event_cells(group, obj, now),
        Printer::Namespace => vec![name, json!(s(obj, &["status", "phase"])), age()],
        Printer::Secret => vec![
            name,
            json!(s(obj, &["type"])),
            json!(secret_data_len(obj)),
            age(),
        ],
        Printer::ServiceAccount => vec![name, age()],
        Printer::PersistentVolume => persistent_volume_cells(obj, now),
        Printer::PersistentVolumeClaim => persistent_volume_claim_cells(obj, now),
        Printer::ComponentStatus => {
            let (mut status, mut message, mut error) = ("Unknown", "", "");
            if let Some(c) = arr(obj, &["conditions"])
                .iter()
                .find(|c| s(c, &["type"]) == "Healthy")
            {
                status = if s(c, &["status"]) == "True" {
                    "Healthy"
                } else {
                    "Unhealthy"
                };
                message = s(c, &["message"]);
                error = s(c, &["error"]);
            }
            vec![name, json!(status), json!(message), json!(error)]
        }
        Printer::Deployment => {
            let (names, images) = container_cells(obj, &["spec", "template", "spec", "containers"]);
            let selector = label_selector_string(at(obj, &["spec", "selector"]))
                .unwrap_or_else(|()| "<invalid>".to_string());
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    int(obj, &["status", "readyReplicas"]),
                    int(obj, &["spec", "replicas"])
                )),
                json!(int(obj, &["status", "updatedReplicas"])),
                json!(int(obj, &["status", "availableReplicas"])),
                age(),
                json!(names),
                json!(images),
                json!(selector),
            ]
        }
        Printer::HorizontalPodAutoscaler => {
            let min_pods = at(obj, &["spec", "minReplicas"])
                .and_then(Value::as_i64)
                .map_or_else(|| "<unset>".to_string(), |n| n.to_string());
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    s(obj, &["spec", "scaleTargetRef", "kind"]),
                    s(obj, &["spec", "scaleTargetRef", "name"])
                )),
                json!(format_hpa_metrics(obj)),
                json!(min_pods),
                json!(int(obj, &["spec", "maxReplicas"])),
                json!(int(obj, &["status", "currentReplicas"])),
                age(),
            ]
        }
        Printer::ConfigMap => {
            let n = map_len(obj, "data") + map_len(obj, "binaryData");
            vec![name, json!(n), age()]
        }
        Printer::NetworkPolicy => vec![
            name,
            // Unset and empty selectors both print `<none>`.
            json!(format_label_selector(at(obj, &["spec", "podSelector"]))),
            age(),
        ],
        Printer::RoleBinding | Printer::ClusterRoleBinding => {
            let role_ref = format!(
                "{}/{}",
                s(obj, &["roleRef", "kind"]),
                s(obj, &["roleRef", "name"])
            );
            let (users, groups, sas) = subjects_strings(obj);
            vec![
                name,
                json!(role_ref),
                age(),
                json!(users.join(", ")),
                json!(groups.join(", ")),
                json!(sas.join(", ")),
            ]
        }
        Printer::CertificateSigningRequest => {
            let requested = at(obj, &["spec", "expirationSeconds"])
                .and_then(Value::as_i64)
                .map_or_else(
                    || "<none>".to_string(),
                    |secs| human_duration(i128::from(secs) * 1_000_000_000),
                );
            vec![
                name,
                age(),
                json!(non_empty_or(s(obj, &["spec", "signerName"]), "<none>")),
                json!(s(obj, &["spec", "username"])),
                json!(requested),
                json!(csr_condition(obj)),
            ]
        }
        Printer::Lease => vec![name, json!(s(obj, &["spec", "holderIdentity"])), age()],
        Printer::StorageClass => {
            let mut display = s(obj, &["metadata", "name"]).to_string();
            let annotation = |key: &str| s(obj, &["metadata", "annotations", key]) == "true";
            if annotation("storageclass.kubernetes.io/is-default-class")
                || annotation("storageclass.beta.kubernetes.io/is-default-class")
            {
                display.push_str(" (default)");
            }
            vec![
                json!(display),
                json!(s(obj, &["provisioner"])),
                json!(str_or(obj, &["reclaimPolicy"], "Delete")),
                json!(str_or(obj, &["volumeBindingMode"], "Immediate")),
                json!(bool_at(obj, &["allowVolumeExpansion"], false)),
                age(),
            ]
        }
        Printer::VolumeAttributesClass => {
            let mut display = s(obj, &["metadata", "name"]).to_string();
            let annotation = "volumeattributesclass.alpha.kubernetes.io/is-default-class";
            if s(obj, &["metadata", "annotations", annotation]) == "true" {
                display.push_str(" (default)");
            }
            vec![json!(display), json!(s(obj, &["driverName"])), age()]
        }
        Printer::ControllerRevision => vec![
            name,
            json!(controller_of(obj)),
            json!(int(obj, &["revision"])),
            age(),
        ],
        Printer::ResourceQuota => {
            let (requests, limits) = resource_quota_columns(obj);
            vec![name, json!(requests), json!(limits), age()]
        }
        Printer::PriorityClass => vec![
            name,
            json!(int(obj, &["value"])),
            json!(bool_at(obj, &["globalDefault"], false)),
            age(),
            json!(s(obj, &["preemptionPolicy"])),
        ],
        Printer::RuntimeClass => vec![name, json!(s(obj, &["handler"])), age()],
        Printer::VolumeAttachment => vec![
            name,
            json!(s(obj, &["spec", "attacher"])),
            json!(s(obj, &["spec", "source", "persistentVolumeName"])),
            json!(s(obj, &["spec", "nodeName"])),
            json!(bool_at(obj, &["status", "attached"], false)),
            age(),
        ],
        Printer::EndpointSlice => vec![
            name,
            json!(s(obj, &["addressType"])),
            json!(format_discovery_ports(arr(obj, &["ports"]))),
            json!(format_discovery_endpoints(arr(obj, &["endpoints"]))),
            age(),
        ],
        Printer::CsiNode => vec![name, json!(arr(obj, &["spec", "drivers"]).len()), age()],
        Printer::CsiDriver => csi_driver_cells(obj, now),
        Printer::CsiStorageCapacity => {
            let capacity = at(obj, &["capacity"])
                .filter(|v| !v.is_null())
                .map_or_else(|| "<unset>".to_string(), quantity_string);
            vec![name, json!(s(obj, &["storageClassName"])), json!(capacity)]
        }
        Printer::MutatingWebhookConfiguration | Printer::ValidatingWebhookConfiguration => {
            vec![name, json!(arr(obj, &["webhooks"]).len()), age()]
        }
        Printer::ValidatingAdmissionPolicy | Printer::MutatingAdmissionPolicy => {
            let rules =
                if Printer::for_resource(group, resource) == Printer::ValidatingAdmissionPolicy {
                    "validations"
                } else {
                    "mutations"
                };
            let param_kind = match at(obj, &["spec", "paramKind"]).filter(|v| v.is_object()) {
                Some(pk) => format!("{}/{}", s(pk, &["apiVersion"]), s(pk, &["kind"])),
                None => "<unset>".to_string(),
            };
            vec![
                name,
                json!(arr(obj, &["spec", rules]).len()),
                json!(param_kind),
                age(),
            ]
        }
        Printer::ValidatingAdmissionPolicyBinding | Printer::MutatingAdmissionPolicyBinding => {
            vec![
                name,
                json!(s(obj, &["spec", "policyName"])),
                json!(param_ref(obj)),
                age(),
            ]
        }
        Printer::FlowSchema => {
            let distinguisher = at(obj, &["spec", "distinguisherMethod"])
                .filter(|v| v.is_object())
                .map_or("<none>", |d| s(d, &["type"]));
            let missing = arr(obj, &["status", "conditions"])
                .iter()
                .find(|c| s(c, &["type"]) == "Dangling")
                .map_or("?", |c| s(c, &["status"]));
            vec![
                name,
                json!(s(obj, &["spec", "priorityLevelConfiguration", "name"])),
                json!(int(obj, &["spec", "matchingPrecedence"])),
                json!(distinguisher),
                age(),
                json!(missing),
            ]
        }
        Printer::PriorityLevelConfiguration => {
            let none = || json!("<none>");
            let (mut shares, mut queues, mut hand_size, mut queue_length) =
                (none(), none(), none(), none());
            if let Some(limited) = at(obj, &["spec", "limited"]).filter(|v| v.is_object()) {
                shares = json!(int(limited, &["nominalConcurrencyShares"]));
                if let Some(q) =
                    at(limited, &["limitResponse", "queuing"]).filter(|v| v.is_object())
                {
                    queues = json!(int(q, &["queues"]));
                    hand_size = json!(int(q, &["handSize"]));
                    queue_length = json!(int(q, &["queueLengthLimit"]));
                }
            }
            vec![
                name,
                json!(s(obj, &["spec", "type"])),
                shares,
                queues,
                hand_size,
                queue_length,
                age(),
            ]
        }
        Printer::ServiceCidr => {
            let cidrs: Vec<&str> = arr(obj, &["spec", "cidrs"])
                .iter()
                .filter_map(Value::as_str)
                .collect();
            vec![name, json!(cidrs.join(",")), age()]
        }
        Printer::IpAddress => {
            let parent = match at(obj, &["spec", "parentRef"]).filter(|v| v.is_object()) {
                None => "<none>".to_string(),
                Some(p) => {
                    let (group, resource) = (s(p, &["group"]), s(p, &["resource"]));
                    let mut out = if group.is_empty() {
                        resource.to_lowercase()
                    } else {
                        format!("{resource}.{group}").to_lowercase()
                    };
                    let namespace = s(p, &["namespace"]);
                    if !namespace.is_empty() {
                        out = format!("{out}/{namespace}");
                    }
                    format!("{out}/{}", s(p, &["name"]))
                }
            };
            vec![name, json!(parent), age()]
        }
        Printer::DeviceClass | Printer::ResourceClaimTemplate => vec![name, age()],
        Printer::ResourceClaim => {
            let deleting = is_set(obj, &["metadata", "deletionTimestamp"]);
            let mut states = Vec::new();
            if deleting {
                states.push("deleted");
            }
            if is_set(obj, &["status", "allocation"]) {
                states.push("allocated");
                if !arr(obj, &["status", "reservedFor"]).is_empty() {
                    states.push("reserved");
                }
            } else if !deleting {
                states.push("pending");
            }
            vec![name, json!(states.join(",")), age()]
        }
        Printer::Scale => vec![
            name,
            json!(int(obj, &["spec", "replicas"])),
            json!(int(obj, &["status", "replicas"])),
            age(),
        ],
        Printer::ApiService => {
            let service = match at(obj, &["spec", "service"]).filter(|v| v.is_object()) {
                Some(svc) => format!("{}/{}", s(svc, &["namespace"]), s(svc, &["name"])),
                None => "Local".to_string(),
            };
            let available = arr(obj, &["status", "conditions"])
                .iter()
                .find(|c| s(c, &["type"]) == "Available")
                .map_or_else(
                    || "Unknown".to_string(),
                    |c| {
                        let (status, reason) = (s(c, &["status"]), s(c, &["reason"]));
                        if status != "True" && !reason.is_empty() {
                            format!("{status} ({reason})")
                        } else {
                            status.to_string()
                        }
                    },
                );
            vec![name, json!(service), json!(available), age()]
        }
        Printer::Default => {
            let created = parse_time(at(obj, &["metadata", "creationTimestamp"]));
            // Go formats the zero time too.
            let created = created.map_or_else(
                || "0001-01-01T00:00:00Z".to_string(),
                |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            );
            vec![name, json!(created)]
        }
    }
}

/// The `conditions` kube sets on a row, if any: a finished pod's row says it completed
/// (`{"type": "Completed", "status": "True", "reason": "Succeeded", …}`), which clients use
/// to tell finished pods apart. `None` for every other row.
pub fn builtin_row_conditions(group: &str, resource: &str, obj: &Value) -> Option<Value> {
    if Printer::for_resource(group, resource) != Printer::Pod {
        return None;
    }
    let message = match s(obj, &["status", "phase"]) {
        "Succeeded" => "The pod has completed successfully.",
        "Failed" => "The pod failed.",
        _ => return None,
    };
    Some(json!([{
        "type": "Completed",
        "status": "True",
        "reason": s(obj, &["status", "phase"]),
        "message": message,
    }]))
}

/// `printPod`: READY, STATUS (the reason kubectl shows), RESTARTS, AGE, then the wide cells.
fn pod_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let init_specs = arr(obj, &["spec", "initContainers"]);
    // A sidecar is an init container that keeps running: `restartPolicy: Always`.
    let is_sidecar = |spec: &Value| s(spec, &["restartPolicy"]) == "Always";
    let sidecar_named = |name: &str| {
        init_specs
            .iter()
            .any(|c| s(c, &["name"]) == name && is_sidecar(c))
    };
    let total = arr(obj, &["spec", "containers"]).len()
        + init_specs.iter().filter(|c| is_sidecar(c)).count();
    let mut ready = 0;

    let phase = s(obj, &["status", "phase"]);
    let mut reason = non_empty_or(s(obj, &["status", "reason"]), phase).to_string();
    let conditions = arr(obj, &["status", "conditions"]);
    if conditions
        .iter()
        .any(|c| s(c, &["type"]) == "PodScheduled" && s(c, &["reason"]) == "SchedulingGated")
    {
        reason = "SchedulingGated".to_string();
    }

    let mut restarts = 0;
    let mut sidecar_restarts = 0;
    let mut last_restart: Option<Timestamp> = None;
    let mut last_sidecar_restart: Option<Timestamp> = None;
    let mut initializing = false;
    for (i, status) in arr(obj, &["status", "initContainerStatuses"])
        .iter()
        .enumerate()
    {
        let count = int(status, &["restartCount"]);
        let finished = last_termination(status);
        restarts += count;
        last_restart = later(last_restart, finished);
        let sidecar = sidecar_named(s(status, &["name"]));
        if sidecar {
            sidecar_restarts += count;
            last_sidecar_restart = later(last_sidecar_restart, finished);
        }
        let terminated = object_at(status, &["state", "terminated"]);
        let waiting_reason = object_at(status, &["state", "waiting"]).map(|w| s(w, &["reason"]));
        if terminated.is_some_and(|t| int(t, &["exitCode"]) == 0) {
            continue;
        }
        if sidecar && bool_at(status, &["started"], false) {
            if bool_at(status, &["ready"], false) {
                ready += 1;
            }
            continue;
        }
        reason = if let Some(t) = terminated {
            init_terminated_reason(t)
        } else if let Some(w) = waiting_reason.filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            format!("Init:{w}")
        } else {
            format!("Init:{i}/{}", init_specs.len())
        };
        initializing = true;
        break;
    }

    let initialized = conditions
        .iter()
        .find(|c| s(c, &["type"]) == "Initialized")
        .is_some_and(|c| s(c, &["status"]) == "True");
    if !initializing || initialized {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        // Walked backwards so the first container's state wins.
        for status in arr(obj, &["status", "containerStatuses"]).iter().rev() {
            restarts += int(status, &["restartCount"]);
            last_restart = later(last_restart, last_termination(status));
            let waiting = object_at(status, &["state", "waiting"]).map(|w| s(w, &["reason"]));
            let terminated = object_at(status, &["state", "terminated"]);
            if let Some(w) = waiting.filter(|r| !r.is_empty()) {
                reason = w.to_string();
            } else if let Some(t) = terminated {
                reason = terminated_reason(t, "");
            } else if bool_at(status, &["ready"], false)
                && object_at(status, &["state", "running"]).is_some()
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| s(c, &["type"]) == "Ready" && s(c, &["status"]) == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.to_string();
        }
    }

    if is_set(obj, &["metadata", "deletionTimestamp"]) {
        if s(obj, &["status", "reason"]) == "NodeLost" {
            reason = "Unknown".to_string();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".to_string();
        }
    }

    let restarts_cell = match last_restart {
        Some(t) if restarts != 0 => format!(
            "{restarts} ({} ago)",
            human_duration(now.as_nanosecond() - t.as_nanosecond())
        ),
        _ => restarts.to_string(),
    };

    let pod_ip = arr(obj, &["status", "podIPs"])
        .first()
        .map_or("", |ip| s(ip, &["ip"]));
    let gates = arr(obj, &["spec", "readinessGates"]);
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let true_gates = gates
            .iter()
            .filter(|g| {
                let wanted = s(g, &["conditionType"]);
                conditions
                    .iter()
                    .find(|c| s(c, &["type"]) == wanted)
                    .is_some_and(|c| s(c, &["status"]) == "True")
            })
            .count();
        format!("{true_gates}/{}", gates.len())
    };
    vec![
        json!(s(obj, &["metadata", "name"])),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts_cell),
        json!(age_of(obj, now)),
        json!(non_empty_or(pod_ip, "<none>")),
        json!(non_empty_or(s(obj, &["spec", "nodeName"]), "<none>")),
        json!(non_empty_or(
            s(obj, &["status", "nominatedNodeName"]),
            "<none>"
        )),
        json!(readiness_gates),
    ]
}

/// A failed init container's STATUS: `Init:<reason>`, else `Init:Signal:N` / `Init:ExitCode:N`.
fn init_terminated_reason(terminated: &Value) -> String {
    terminated_reason(terminated, "Init:")
}

/// A terminated container's reason, or `Signal:N` / `ExitCode:N` when it gave none.
fn terminated_reason(terminated: &Value, prefix: &str) -> String {
    let reason = s(terminated, &["reason"]);
    let signal = int(terminated, &["signal"]);
    if !reason.is_empty() {
        format!("{prefix}{reason}")
    } else if signal != 0 {
        format!("{prefix}Signal:{signal}")
    } else {
        format!("{prefix}ExitCode:{}", int(terminated, &["exitCode"]))
    }
}

/// When a container last exited (`lastState.terminated.finishedAt`), if known.
fn last_termination(status: &Value) -> Option<Timestamp> {
    parse_time(at(status, &["lastState", "terminated", "finishedAt"]))
}

fn later(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// `printJob`: STATUS from the conditions, COMPLETIONS, DURATION.
fn job_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let succeeded = int(obj, &["status", "succeeded"]);
    let completions = match at(obj, &["spec", "completions"]).and_then(Value::as_i64) {
        Some(c) => format!("{succeeded}/{c}"),
        None => {
            let parallelism = int(obj, &["spec", "parallelism"]);
            if parallelism > 1 {
                format!("{succeeded}/1 of {parallelism}")
            } else {
                format!("{succeeded}/1")
            }
        }
    };
    let start = parse_time(at(obj, &["status", "startTime"]));
    let completion = parse_time(at(obj, &["status", "completionTime"]));
    let duration = match (start, completion) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now.as_nanosecond() - start.as_nanosecond()),
        (Some(start), Some(end)) => human_duration(end.as_nanosecond() - start.as_nanosecond()),
    };
    // A condition counts by its first occurrence of that type.
    let has = |kind: &str| {
        arr(obj, &["status", "conditions"])
            .iter()
            .find(|c| s(c, &["type"]) == kind)
            .is_some_and(|c| s(c, &["status"]) == "True")
    };
    let status = if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if is_set(obj, &["metadata", "deletionTimestamp"]) {
        "Terminating"
    } else if has("Suspended") {
        "Suspended"
    } else if has("FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let (names, images) = container_cells(obj, &["spec", "template", "spec", "containers"]);
    vec![
        json!(s(obj, &["metadata", "name"])),
        json!(status),
        json!(completions),
        json!(duration),
        json!(age_of(obj, now)),
        json!(names),
        json!(images),
        json!(format_label_selector(at(obj, &["spec", "selector"]))),
    ]
}

/// `printService`: TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), AGE, SELECTOR.
fn service_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let cluster_ip = arr(obj, &["spec", "clusterIPs"])
        .first()
        .and_then(Value::as_str)
        .unwrap_or("<none>");
    let external_ips: Vec<&str> = arr(obj, &["spec", "externalIPs"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let external = match s(obj, &["spec", "type"]) {
        "ClusterIP" | "NodePort" if !external_ips.is_empty() => external_ips.join(","),
        "ClusterIP" | "NodePort" => "<none>".to_string(),
        "LoadBalancer" => {
            let lb = load_balancer_status(obj);
            if !external_ips.is_empty() {
                let mut all: Vec<&str> = Vec::new();
                if !lb.is_empty() {
                    all.extend(lb.split(','));
                }
                all.extend(&external_ips);
                all.join(",")
            } else if lb.is_empty() {
                "<pending>".to_string()
            } else {
                lb
            }
        }
        "ExternalName" => s(obj, &["spec", "externalName"]).to_string(),
        _ => "<unknown>".to_string(),
    };
    let ports: Vec<String> = arr(obj, &["spec", "ports"])
        .iter()
        .map(|p| {
            let (port, node_port) = (int(p, &["port"]), int(p, &["nodePort"]));
            let protocol = s(p, &["protocol"]);
            if node_port > 0 {
                format!("{port}:{node_port}/{protocol}")
            } else {
                format!("{port}/{protocol}")
            }
        })
        .collect();
    let ports = if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    };
    vec![
        json!(s(obj, &["metadata", "name"])),
        json!(s(obj, &["spec", "type"])),
        json!(cluster_ip),
        json!(external),
        json!(ports),
        json!(age_of(obj, now)),
        json!(format_labels(at(obj, &["spec", "selector"]))),
    ]
}

/// The load balancer's ingress points (IP, else hostname), sorted and de-duplicated. The
/// server prints wide, so the list is never clipped.
fn load_balancer_status(obj: &Value) -> String {
    let set: BTreeSet<&str> = arr(obj, &["status", "loadBalancer", "ingress"])
        .iter()
        .filter_map(|i| {
            let ip = s(i, &["ip"]);
            let host = s(i, &["hostname"]);
            if !ip.is_empty() {
                Some(ip)
            } else if !host.is_empty() {
                Some(host)
            } else {
                None
            }
        })
        .collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}

/// `formatHosts`: up to three rule hosts, `*` when none names one.
fn format_hosts(rules: &[Value]) -> String {
    const MAX: usize = 3;
    let mut list = Vec::new();
    let mut more = false;
    for rule in rules {
        if list.len() == MAX {
            more = true;
        }
        let host = s(rule, &["host"]);
        if !more && !host.is_empty() {
            list.push(host);
        }
    }
    if list.is_empty() {
        return "*".to_string();
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", rules.len() - MAX)
    } else {
        joined
    }
}

/// `formatEndpoints` over every port: up to three `ip:port`, then `+ N more...`.
fn format_endpoints(obj: &Value) -> String {
    const MAX: usize = 3;
    let subsets = arr(obj, &["subsets"]);
    if subsets.is_empty() {
        return "<none>".to_string();
    }
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0;
    for subset in subsets {
        let addresses = arr(subset, &["addresses"]);
        let ports = arr(subset, &["ports"]);
        // A headless service without ports lists bare addresses.
        let port_numbers: Vec<Option<i64>> = if ports.is_empty() {
            vec![None]
        } else {
            ports.iter().map(|p| Some(int(p, &["port"]))).collect()
        };
        for port in port_numbers {
            count += addresses.len();
            for addr in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                let ip = s(addr, &["ip"]);
                list.push(match port {
                    None => ip.to_string(),
                    Some(p) if ip.contains(':') => format!("[{ip}]:{p}"),
                    Some(p) => format!("{ip}:{p}"),
                });
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

/// `formatDiscoveryPorts`: port numbers (else names, else `*`), three at most.
fn format_discovery_ports(ports: &[Value]) -> String {
    let items = ports.iter().map(|p| {
        if let Some(n) = at(p, &["port"]).and_then(Value::as_i64) {
            n.to_string()
        } else if let Some(name) = at(p, &["name"]).and_then(Value::as_str) {
            name.to_string()
        } else {
            "*".to_string()
        }
    });
    list_with_more(items.collect())
}

/// `formatDiscoveryEndpoints`: the endpoints' addresses, three at most.
fn format_discovery_endpoints(endpoints: &[Value]) -> String {
    let items = endpoints
        .iter()
        .flat_map(|e| arr(e, &["addresses"]).iter())
        .map(|a| a.as_str().unwrap_or("").to_string());
    list_with_more(items.collect())
}

/// `listWithMoreString` with a maximum of three: `a,b,c + N more...`, `<unset>` when empty.
fn list_with_more(items: Vec<String>) -> String {
    const MAX: usize = 3;
    let count = items.len();
    let joined = items.into_iter().take(MAX).collect::<Vec<_>>().join(",");
    if count > MAX {
        format!("{joined} + {} more...", count - MAX)
    } else if joined.is_empty() {
        "<unset>".to_string()
    } else {
        joined
    }
}

/// `printNode`: STATUS from the Ready condition (plus `SchedulingDisabled`), ROLES from labels.
fn node_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    // The last Ready condition wins, as kube keys a map by type.
    let ready = arr(obj, &["status", "conditions"])
        .iter()
        .rev()
        .find(|c| s(c, &["type"]) == "Ready");
    let mut status = vec![match ready {
        Some(c) if s(c, &["status"]) == "True" => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }];
    if bool_at(obj, &["spec", "unschedulable"], false) {
        status.push("SchedulingDisabled");
    }
    let mut roles = BTreeSet::new();
    if let Some(labels) = at(obj, &["metadata", "labels"]).and_then(Value::as_object) {
        for (key, value) in labels {
            if let Some(role) = key.strip_prefix("node-role.kubernetes.io/") {
                if !role.is_empty() {
                    roles.insert(role);
                }
            } else if key == "kubernetes.io/role"
                && let Some(v) = value.as_str().filter(|v| !v.is_empty())
            {
                roles.insert(v);
            }
        }
    }
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.into_iter().collect::<Vec<_>>().join(",")
    };
    let address = |kind: &str| {
        arr(obj, &["status", "addresses"])
            .iter()
            .find(|a| s(a, &["type"]) == kind)
            .map_or("<none>", |a| s(a, &["address"]))
    };
    let info = |field: &str| non_empty_or(s(obj, &["status", "nodeInfo", field]), "<unknown>");
    vec![
        json!(s(obj, &["metadata", "name"])),
        json!(status.join(",")),
        json!(roles),
        json!(age_of(obj, now)),
        json!(s(obj, &["status", "nodeInfo", "kubeletVersion"])),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(info("osImage")),
        json!(info("kernelVersion")),
        json!(info("containerRuntimeVersion")),
    ]
}

/// `helper.GetAccessModesAsString`: the short names in a fixed order, each once.
fn access_modes(modes: &[Value]) -> String {
    let has = |m: &str| modes.iter().any(|v| v.as_str() == Some(m));
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(long, _)| has(long))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// The beta storage-class annotation wins over the field, as the printers' helpers have it.
const BETA_STORAGE_CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";

fn persistent_volume_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let claim = match object_at(obj, &["spec", "claimRef"]) {
        Some(c) => format!("{}/{}", s(c, &["namespace"]), s(c, &["name"])),
        None => String::new(),
    };
    let phase = if is_set(obj, &["metadata", "deletionTimestamp"]) {
        "Terminating"
    } else {
        s(obj, &["status", "phase"])
    };
    let class = at(
        obj,
        &["metadata", "annotations", BETA_STORAGE_CLASS_ANNOTATION],
    )
    .and_then(Value::as_str)
    .unwrap_or_else(|| s(obj, &["spec", "storageClassName"]));
    vec![
        json!(s(obj, &["metadata", "name"])),
        json!(quantity_or_zero(at(obj, &["spec", "capacity", "storage"]))),
        json!(access_modes(arr(obj, &["spec", "accessModes"]))),
        json!(s(obj, &["spec", "persistentVolumeReclaimPolicy"])),
        json!(phase),
        json!(claim),
        json!(class),
        json!(str_or(
            obj,
            &["spec", "volumeAttributesClassName"],
            "<unset>"
        )),
        json!(s(obj, &["status", "reason"])),
        json!(age_of(obj, now)),
        json!(str_or(obj, &["spec", "volumeMode"], "<unset>")),
    ]
}

fn persistent_volume_claim_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let phase = if is_set(obj, &["metadata", "deletionTimestamp"]) {
        "Terminating"
    } else {
        s(obj, &["status", "phase"])
    };
    let volume = s(obj, &["spec", "volumeName"]);
    // Capacity and access modes are only shown once the claim is bound to a volume.
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            quantity_or_zero(at(obj, &["status", "capacity", "storage"])),
            access_modes(arr(obj, &["status", "accessModes"])),
        )
    };
    let class = at(
        obj,
        &["metadata", "annotations", BETA_STORAGE_CLASS_ANNOTATION],
    )
    .and_then(Value::as_str)
    .unwrap_or_else(|| s(obj, &["spec", "storageClassName"]));
    vec![
        json!(s(obj, &["metadata", "name"])),
        json!(phase),
        json!(volume),
        json!(capacity),
        json!(modes),
        json!(class),
        json!(str_or(
            obj,
            &["spec", "volumeAttributesClassName"],
            "<unset>"
        )),
        json!(age_of(obj, now)),
        json!(str_or(obj, &["spec", "volumeMode"], "<unset>")),
    ]
}

/// `formatHPAMetrics`: each metric as `current/target`, two at most, then `+ N more...`.
fn format_hpa_metrics(obj: &Value) -> String {
    const MAX: usize = 2;
    let (specs, statuses) = hpa_metrics(obj);
    if specs.is_empty() {
        return "<none>".to_string();
    }
    let unknown = || "<unknown>".to_string();
    let mut list = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        // The status entry of the same index, if it reports the same source.
        let status = |source: &str| {
            statuses
                .get(i)
                .and_then(|st| object_at(st, &[source]))
                .map(|src| at(src, &["current"]).unwrap_or(&Value::Null))
        };
        let item = match s(spec, &["type"]) {
            kind @ ("External" | "Object") => {
                let source = if kind == "External" {
                    "external"
                } else {
                    "object"
                };
                let target = at(spec, &[source, "target"]).unwrap_or(&Value::Null);
                if let Some(avg) = present(target, "averageValue") {
                    let current = status(source)
                        .and_then(|c| present(c, "averageValue"))
                        .map_or_else(unknown, quantity_string);
                    format!("{current}/{} (avg)", quantity_string(avg))
                } else {
                    let current = status(source)
                        .map_or_else(unknown, |c| quantity_or_nil(present(c, "value")));
                    format!("{current}/{}", quantity_or_nil(present(target, "value")))
                }
            }
            "Pods" => {
                let current = status("pods")
                    .map_or_else(unknown, |c| quantity_or_nil(present(c, "averageValue")));
                let target = quantity_or_nil(at(spec, &["pods", "target", "averageValue"]));
                format!("{current}/{target}")
            }
            kind @ ("Resource" | "ContainerResource") => {
                let source = if kind == "Resource" {
                    "resource"
                } else {
                    "containerResource"
                };
                let resource_name = s(spec, &[source, "name"]);
                let target = at(spec, &[source, "target"]).unwrap_or(&Value::Null);
                if let Some(avg) = present(target, "averageValue") {
                    let current = status(source)
                        .map_or_else(unknown, |c| quantity_or_nil(present(c, "averageValue")));
                    format!("{resource_name}: {current}/{}", quantity_string(avg))
                } else {
                    let current = status(source)
                        .and_then(|c| present(c, "averageUtilization"))
                        .and_then(Value::as_i64)
                        .map_or_else(unknown, |u| format!("{u}%"));
                    let target = present(target, "averageUtilization")
                        .and_then(Value::as_i64)
                        .map_or_else(|| "<auto>".to_string(), |u| format!("{u}%"));
                    format!("{resource_name}: {current}/{target}")
                }
            }
            _ => "<unknown type>".to_string(),
        };
        list.push(item);
    }
    let count = list.len();
    list.truncate(MAX);
    let joined = list.join(", ");
    if count > MAX {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

/// An HPA's metric specs and statuses in the autoscaling/v2 shape. An autoscaling/v1
/// object's CPU target converts to one Resource metric, as the internal conversion does.
fn hpa_metrics(obj: &Value) -> (Vec<Value>, Vec<Value>) {
    if at(obj, &["spec", "metrics"]).is_some()
        || at(obj, &["spec", "targetCPUUtilizationPercentage"]).is_none()
    {
        return (
            arr(obj, &["spec", "metrics"]).to_vec(),
            arr(obj, &["status", "currentMetrics"]).to_vec(),
        );
    }
    let target = at(obj, &["spec", "targetCPUUtilizationPercentage"]).cloned();
    let specs = vec![json!({"type": "Resource", "resource": {"name": "cpu",
        "target": {"type": "Utilization", "averageUtilization": target}}})];
    let statuses = at(obj, &["status", "currentCPUUtilizationPercentage"])
        .filter(|v| !v.is_null())
        .map(|current| {
            vec![json!({"type": "Resource", "resource": {"name": "cpu",
                "current": {"averageUtilization": current}}})]
        })
        .unwrap_or_default();
    (specs, statuses)
}

/// A field that is present and not null.
fn present<'a>(v: &'a Value, field: &str) -> Option<&'a Value> {
    at(v, &[field]).filter(|x| !x.is_null())
}

/// `extractCSRStatus`: Denied / Approved / Pending, then `,Failed` and `,Issued`.
fn csr_condition(obj: &Value) -> String {
    let conditions = arr(obj, &["status", "conditions"]);
    let has = |kind: &str| conditions.iter().any(|c| s(c, &["type"]) == kind);
    let mut status = if has("Denied") {
        "Denied"
    } else if has("Approved") {
        "Approved"
    } else {
        "Pending"
    }
    .to_string();
    if has("Failed") {
        status.push_str(",Failed");
    }
    if !s(obj, &["status", "certificate"]).is_empty() {
        status.push_str(",Issued");
    }
    status
}

/// The controlling owner as `kind.group/name` in lower case (`daemonset.apps/kindnet`),
/// `<none>` without one.
fn controller_of(obj: &Value) -> String {
    let Some(owner) = arr(obj, &["metadata", "ownerReferences"])
        .iter()
        .find(|o| bool_at(o, &["controller"], false))
    else {
        return "<none>".to_string();
    };
    let api_version = s(owner, &["apiVersion"]);
    // `schema.ParseGroupVersion`: `v1` has no group, `apps/v1` has `apps`.
    let group = api_version.split_once('/').map_or("", |(group, _)| group);
    let kind = s(owner, &["kind"]);
    let name = s(owner, &["name"]);
    if group.is_empty() && kind.is_empty() {
        name.to_string()
    } else if group.is_empty() {
        format!("{}/{name}", kind.to_lowercase())
    } else {
        format!("{}.{}/{name}", kind.to_lowercase(), group.to_lowercase())
    }
}

/// A ResourceQuota's `used/hard` pairs, split into the request and `limits.*` columns.
fn resource_quota_columns(obj: &Value) -> (String, String) {
    let mut hard: Vec<(&String, &Value)> = at(obj, &["status", "hard"])
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    hard.sort_by(|a, b| a.0.cmp(b.0));
    let (mut requests, mut limits) = (Vec::new(), Vec::new());
    for (resource, hard_quantity) in hard {
        let used = quantity_or_zero(at(obj, &["status", "used", resource.as_str()]));
        let entry = format!("{resource}: {used}/{}", quantity_string(hard_quantity));
        let is_limit = resource
            .split_once('.')
            .is_some_and(|(first, _)| first == "limits");
        if is_limit {
            limits.push(entry);
        } else {
            requests.push(entry);
        }
    }
    (requests.join(", "), limits.join(", "))
}

fn csi_driver_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let modes: Vec<&str> = arr(obj, &["spec", "volumeLifecycleModes"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let modes = if modes.is_empty() {
        "<none>".to_string()
    } else {
        modes.join(",")
    };
    let token_requests = match at(obj, &["spec", "tokenRequests"]).and_then(Value::as_array) {
        Some(requests) => requests
            .iter()
            .map(|r| s(r, &["audience"]))
            .collect::<Vec<_>>()
            .join(","),
        None => "<unset>".to_string(),
    };
    vec![
        json!(s(obj, &["metadata", "name"])),
        json!(bool_at(obj, &["spec", "attachRequired"], true)),
        json!(bool_at(obj, &["spec", "podInfoOnMount"], false)),
        json!(bool_at(obj, &["spec", "storageCapacity"], false)),
        json!(token_requests),
        json!(bool_at(obj, &["spec", "requiresRepublish"], false)),
        json!(modes),
        json!(age_of(obj, now)),
    ]
}

/// An admission policy binding's param: `namespace/name`, `*/name`, a selector, or `<unset>`.
fn param_ref(obj: &Value) -> String {
    let Some(pr) = object_at(obj, &["spec", "paramRef"]) else {
        return "<unset>".to_string();
    };
    let name = s(pr, &["name"]);
    if !name.is_empty() {
        let namespace = s(pr, &["namespace"]);
        // Whether the param is cluster-scoped is unknown here, so no namespace reads `*`.
        return format!("{}/{name}", non_empty_or(namespace, "*"));
    }
    match object_at(pr, &["selector"]) {
        Some(sel) => label_selector_string(Some(sel)).unwrap_or_default(),
        None => "<unset>".to_string(),
    }
}

fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(v, |cur, key| cur.as_object()?.get(*key))
}

/// A string field, `""` when unset (Go's zero value).
fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    at(v, path).and_then(Value::as_str).unwrap_or("")
}

/// An optional string field, `default` when unset (a nil pointer in Go).
fn str_or<'a>(v: &'a Value, path: &[&str], default: &'a str) -> &'a str {
    at(v, path).and_then(Value::as_str).unwrap_or(default)
}

/// An integer field, 0 when unset.
fn int(v: &Value, path: &[&str]) -> i64 {
    at(v, path).and_then(Value::as_i64).unwrap_or(0)
}

fn bool_at(v: &Value, path: &[&str], default: bool) -> bool {
    at(v, path).and_then(Value::as_bool).unwrap_or(default)
}

/// A list field, empty when unset.
fn arr<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    at(v, path)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
}

/// A struct-valued field that is set (a non-nil pointer in Go).
fn object_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    at(v, path).filter(|x| x.is_object())
}

/// Whether a pointer field (`deletionTimestamp`, `allocation`, …) is set.
fn is_set(v: &Value, path: &[&str]) -> bool {
    at(v, path).is_some_and(|x| !x.is_null())
}

fn non_empty_or<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() { b } else { a }
}

fn map_len(obj: &Value, field: &str) -> usize {
    at(obj, &[field])
        .and_then(Value::as_object)
        .map_or(0, serde_json::Map::len)
}

fn age_of(obj: &Value, now: Timestamp) -> String {
    translate_timestamp_since(at(obj, &["metadata", "creationTimestamp"]), now)
}

/// A quantity as the object carries it (kube prints the canonical form it serializes).
fn quantity_string(v: &Value) -> String {
    match v {
        Value::String(q) => q.clone(),
        other => other.to_string(),
    }
}

/// A quantity looked up in a resource list: a missing entry is the zero quantity, `0`.
fn quantity_or_zero(v: Option<&Value>) -> String {
    v.filter(|q| !q.is_null())
        .map_or_else(|| "0".to_string(), quantity_string)
}

/// A `*resource.Quantity`: `<nil>` when unset, as its `String()` prints.
fn quantity_or_nil(v: Option<&Value>) -> String {
    v.filter(|q| !q.is_null())
        .map_or_else(|| "<nil>".to_string(), quantity_string)
}

/// An `*intstr.IntOrString`, `N/A` when unset.
fn int_or_string(obj: &Value, path: &[&str]) -> String {
    match at(obj, path) {
        None | Some(Value::Null) => "N/A".to_string(),
        Some(Value::String(v)) => v.clone(),
        Some(other) => other.to_string(),
    }
}

/// `layoutContainerCells`: the containers' names and images, each comma-joined.
fn container_cells(obj: &Value, path: &[&str]) -> (String, String) {
    let containers = arr(obj, path);
    let names: Vec<&str> = containers.iter().map(|c| s(c, &["name"])).collect();
    let images: Vec<&str> = containers.iter().map(|c| s(c, &["image"])).collect();
    (names.join(","), images.join(","))
}

/// `labels.FormatLabels`: `k=v` pairs sorted by key, `<none>` when there are none.
fn format_labels(map: Option<&Value>) -> String {
    let Some(map) = map.and_then(Value::as_object).filter(|m| !m.is_empty()) else {
        return "<none>".to_string();
    };
    let mut pairs: Vec<(&String, &str)> = map
        .iter()
        .map(|(k, v)| (k, v.as_str().unwrap_or("")))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `metav1.FormatLabelSelector`: the selector's string, `<none>` when it selects
/// everything or nothing, `<error>` when it cannot be converted.
fn format_label_selector(selector: Option<&Value>) -> String {
    match label_selector_string(selector) {
        Err(()) => "<error>".to_string(),
        Ok(text) if text.is_empty() => "<none>".to_string(),
        Ok(text) => text,
    }
}

/// `LabelSelectorAsSelector(..).String()`: requirements sorted by key and comma-joined —
/// `app=web`, `tier in (a,b)`, `tier notin (c)`, `release`, `!canary`. An unset selector
/// (nothing) and an empty one (everything) both print as `""`.
pub(crate) fn label_selector_string(selector: Option<&Value>) -> Result<String, ()> {
    let Some(selector) = selector.filter(|v| !v.is_null()) else {
        return Ok(String::new());
    };
    let mut requirements: Vec<(&str, String)> = Vec::new();
    if let Some(labels) = at(selector, &["matchLabels"]).and_then(Value::as_object) {
        for (key, value) in labels {
            requirements.push((key, format!("{key}={}", value.as_str().unwrap_or(""))));
        }
    }
    for expr in arr(selector, &["matchExpressions"]) {
        let key = s(expr, &["key"]);
        let mut values: Vec<&str> = arr(expr, &["values"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        values.sort_unstable();
        let text = match s(expr, &["operator"]) {
            op @ ("In" | "NotIn") => {
                if values.is_empty() {
                    return Err(());
                }
                let word = if op == "In" { "in" } else { "notin" };
                format!("{key} {word} ({})", values.join(","))
            }
            "Exists" if values.is_empty() => key.to_string(),
            "DoesNotExist" if values.is_empty() => format!("!{key}"),
            _ => return Err(()),
        };
        requirements.push((key, text));
    }
    requirements.sort_by(|a, b| a.0.cmp(b.0));
    Ok(requirements
        .into_iter()
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join(","))
}

/// A Secret's data count as the internal object has it: `stringData` keys merge into `data`.
fn secret_data_len(obj: &Value) -> usize {
    let data = at(obj, &["data"]).and_then(Value::as_object);
    let extra = at(obj, &["stringData"])
        .and_then(Value::as_object)
        .map_or(0, |sd| {
            sd.keys()
                .filter(|k| !data.is_some_and(|d| d.contains_key(*k)))
                .count()
        });
    data.map_or(0, serde_json::Map::len) + extra
}

/// `rbac.SubjectsStrings`: users, groups and `namespace/name` service accounts.
fn subjects_strings(obj: &Value) -> (Vec<&str>, Vec<&str>, Vec<String>) {
    let (mut users, mut groups, mut sas) = (Vec::new(), Vec::new(), Vec::new());
    for subject in arr(obj, &["subjects"]) {
        let name = s(subject, &["name"]);
        match s(subject, &["kind"]) {
            "ServiceAccount" => sas.push(format!("{}/{name}", s(subject, &["namespace"]))),
            "User" => users.push(name),
            "Group" => groups.push(name),
            _ => {}
        }
    }
    (users, groups, sas)
}

/// `printEvent`, over either event API's field names.
fn event_cells(group: &str, obj: &Value, now: Timestamp) -> Vec<Value> {
    let v1 = group == "events.k8s.io";
    let pick = |core: &'static str, events: &'static str| if v1 { events } else { core };
    let first_ts = at(obj, &[pick("firstTimestamp", "deprecatedFirstTimestamp")]);
    let last_ts = at(obj, &[pick("lastTimestamp", "deprecatedLastTimestamp")]);
    let mut first = translate_timestamp_since(first_ts, now);
    if parse_time(first_ts).is_none() {
        first = translate_timestamp_since(at(obj, &["eventTime"]), now);
    }
    let mut last = translate_timestamp_since(last_ts, now);
    if parse_time(last_ts).is_none() {
        last.clone_from(&first);
    }
    let mut count = at(obj, &[pick("count", "deprecatedCount")])
        .and_then(Value::as_i64)
        .unwrap_or(0);
    match at(obj, &["series"]).filter(|v| v.is_object()) {
        Some(series) => {
            last = translate_timestamp_since(at(series, &["lastObservedTime"]), now);
            count = at(series, &["count"]).and_then(Value::as_i64).unwrap_or(0);
        }
        // Singleton events of the new API have no count.
        None if count == 0 => count = 1,
        None => {}
    }
    let involved = pick("involvedObject", "regarding");
    let kind = s(obj, &[involved, "kind"]).to_lowercase();
    let involved_name = s(obj, &[involved, "name"]);
    let target = if involved_name.is_empty() {
        kind
    } else {
        format!("{kind}/{involved_name}")
    };
    let source_field = pick("source", "deprecatedSource");
    let component = non_empty_or(
        s(obj, &[source_field, "component"]),
        s(obj, &[pick("reportingComponent", "reportingController")]),
    );
    let instance = non_empty_or(
        s(obj, &[source_field, "host"]),
        s(obj, &["reportingInstance"]),
    );
    let source = if instance.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {instance}")
    };
    let message = s(obj, &[pick("message", "note")]).trim();
    vec![
        json!(last),
        json!(s(obj, &["type"])),
        json!(s(obj, &["reason"])),
        json!(target),
        json!(s(obj, &[involved, "fieldPath"])),
        json!(source),
        json!(message),
        json!(first),
        json!(count),
        json!(s(obj, &["metadata", "name"])),
    ]
}

/// A timestamp field, unless unset or Go's zero time.
fn parse_time(v: Option<&Value>) -> Option<Timestamp> {
    const GO_ZERO_TIME_SECONDS: i64 = -62_135_596_800;
    v.and_then(Value::as_str)
        .and_then(|t| t.parse::<Timestamp>().ok())
        .filter(|t| t.as_second() != GO_ZERO_TIME_SECONDS)
}

/// `translateTimestampSince`: `<unknown>` for an unset time, else the age.
fn translate_timestamp_since(v: Option<&Value>, now: Timestamp) -> String {
    match parse_time(v) {
        None => "<unknown>".to_string(),
        Some(t) => human_duration(now.as_nanosecond() - t.as_nanosecond()),
    }
}

/// `duration.HumanDuration`: a short age with two or three significant figures (`5m30s`,
/// `3h`, `2d4h`, `3y12d`); a time slightly in the future reads `0s`, further `<invalid>`.
pub fn human_duration(nanos: i128) -> String {
    const SECOND: i128 = 1_000_000_000;
    const MINUTE: i128 = 60 * SECOND;
    const HOUR: i128 = 60 * MINUTE;
    // Go truncates toward zero, as Rust's integer division does.
    let seconds = nanos / SECOND;
    if seconds < -1 {
        return "<invalid>".to_string();
    } else if seconds < 0 {
        return "0s".to_string();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = nanos / MINUTE;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = nanos / HOUR;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        }
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        }
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2024-06-01T12:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn names(cols: &[Value]) -> Vec<&str> {
        cols.iter()
            .map(|c| c["name"].as_str().unwrap_or(""))
            .collect()
    }

    #[test]
    fn human_durations_match_apimachinery() {
        const S: i128 = 1_000_000_000;
        let cases: &[(i128, &str)] = &[
            (-2 * S, "<invalid>"),
            (-S - S / 2, "0s"),
            (0, "0s"),
            (S, "1s"),
            (119 * S, "119s"),
            (120 * S, "2m"),
            (150 * S, "2m30s"),
            (10 * 60 * S, "10m"),
            (179 * 60 * S, "179m"),
            (3 * 3600 * S, "3h"),
            (3 * 3600 * S + 5 * 60 * S, "3h5m"),
            (8 * 3600 * S, "8h"),
            (47 * 3600 * S, "47h"),
            (48 * 3600 * S, "2d"),
            (50 * 3600 * S, "2d2h"),
            (8 * 24 * 3600 * S, "8d"),
            (729 * 24 * 3600 * S, "729d"),
            (730 * 24 * 3600 * S, "2y"),
            (740 * 24 * 3600 * S, "2y10d"),
            (8 * 365 * 24 * 3600 * S, "8y"),
        ];
        for (d, want) in cases {
            assert_eq!(human_duration(*d), *want, "{d}");
        }
    }

    #[test]
    fn namespace_table() {
        let cols = builtin_columns("", "namespaces");
        assert_eq!(names(&cols), vec!["Name", "Status", "Age"]);
        assert_eq!(cols[0]["format"], "name");
        assert_eq!(cols[1]["format"], "");
        assert_eq!(cols[1]["priority"], 0);
        let ns = json!({"metadata": {"name": "default", "creationTimestamp": "2024-06-01T11:55:00Z"}, "status": {"phase": "Active"}});
        assert_eq!(
            builtin_row_cells("", "namespaces", &ns, now()),
            vec![json!("default"), json!("Active"), json!("5m")]
        );
    }

    #[test]
    fn configmap_secret_serviceaccount_tables() {
        assert_eq!(
            names(&builtin_columns("", "configmaps")),
            vec!["Name", "Data", "Age"]
        );
        let cm = json!({"metadata": {"name": "kube-root-ca.crt", "creationTimestamp": "2024-05-30T12:00:00Z"}, "data": {"ca.crt": "x"}, "binaryData": {"b": "AA=="}});
        assert_eq!(
            builtin_row_cells("", "configmaps", &cm, now()),
            vec![json!("kube-root-ca.crt"), json!(2), json!("2d")]
        );

        assert_eq!(
            names(&builtin_columns("", "secrets")),
            vec!["Name", "Type", "Data", "Age"]
        );
        let secret = json!({"metadata": {"name": "tls", "creationTimestamp": "2024-06-01T11:59:30Z"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}});
        assert_eq!(
            builtin_row_cells("", "secrets", &secret, now()),
            vec![
                json!("tls"),
                json!("kubernetes.io/tls"),
                json!(2),
                json!("30s")
            ]
        );

        assert_eq!(
            names(&builtin_columns("", "serviceaccounts")),
            vec!["Name", "Age"]
        );
        let sa = json!({"metadata": {"name": "default"}});
        assert_eq!(
            builtin_row_cells("", "serviceaccounts", &sa, now()),
            vec![json!("default"), json!("<unknown>")]
        );
    }

    #[test]
    fn lease_table() {
        assert_eq!(
            names(&builtin_columns("coordination.k8s.io", "leases")),
            vec!["Name", "Holder", "Age"]
        );
        let lease = json!({"metadata": {"name": "kube-scheduler", "creationTimestamp": "2024-06-01T09:00:00Z"}, "spec": {"holderIdentity": "node-1_1234"}});
        assert_eq!(
            builtin_row_cells("coordination.k8s.io", "leases", &lease, now()),
            vec![json!("kube-scheduler"), json!("node-1_1234"), json!("3h")]
        );
        let unheld = json!({"metadata": {"name": "l", "creationTimestamp": "2024-06-01T09:00:00Z"}, "spec": {}});
        assert_eq!(
            builtin_row_cells("coordination.k8s.io", "leases", &unheld, now())[1],
            json!("")
        );
    }

    #[test]
    fn binding_tables_are_wide() {
        let cols = builtin_columns("rbac.authorization.k8s.io", "rolebindings");
        assert_eq!(
            names(&cols),
            vec!["Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"]
        );
        assert_eq!(cols[3]["priority"], 1);
        assert_eq!(cols[3]["description"], "Users in the roleBinding");
        let rb = json!({"metadata": {"name": "read-pods", "creationTimestamp": "2024-06-01T11:00:00Z"},
            "roleRef": {"kind": "Role", "name": "pod-reader", "apiGroup": "rbac.authorization.k8s.io"},
            "subjects": [{"kind": "User", "name": "jane"}, {"kind": "User", "name": "joe"}, {"kind": "Group", "name": "devs"}, {"kind": "ServiceAccount", "name": "default", "namespace": "kube-system"}]});
        assert_eq!(
            builtin_row_cells("rbac.authorization.k8s.io", "rolebindings", &rb, now()),
            vec![
                json!("read-pods"),
                json!("Role/pod-reader"),
                json!("60m"),
                json!("jane, joe"),
                json!("devs"),
                json!("kube-system/default")
            ]
        );
        let crb_cols = builtin_columns("rbac.authorization.k8s.io", "clusterrolebindings");
        assert_eq!(
            crb_cols[5]["description"],
            "ServiceAccounts in the clusterRoleBinding"
        );
    }

    #[test]
    fn roles_use_the_default_table() {
        for resource in ["roles", "clusterroles"] {
            let cols = builtin_columns("rbac.authorization.k8s.io", resource);
            assert_eq!(names(&cols), vec!["Name", "Created At"]);
            assert_eq!(cols[1]["type"], "date");
        }
        let role =
            json!({"metadata": {"name": "admin", "creationTimestamp": "2024-01-02T03:04:05Z"}});
        assert_eq!(
            builtin_row_cells("rbac.authorization.k8s.io", "clusterroles", &role, now()),
            vec![json!("admin"), json!("2024-01-02T03:04:05Z")]
        );
        let widget = json!({"metadata": {"name": "w"}});
        assert_eq!(
            builtin_row_cells("example.com", "widgets", &widget, now()),
            vec![json!("w"), json!("0001-01-01T00:00:00Z")]
        );
        assert!(!has_builtin_printer("example.com", "widgets"));
    }

    #[test]
    fn core_event_rows() {
        let cols = builtin_columns("", "events");
        assert_eq!(
            names(&cols),
            vec![
                "Last Seen",
                "Type",
                "Reason",
                "Object",
                "Subobject",
                "Source",
                "Message",
                "First Seen",
                "Count",
                "Name"
            ]
        );
        let priorities: Vec<i64> = cols
            .iter()
            .map(|c| c["priority"].as_i64().unwrap_or(-1))
            .collect();
        assert_eq!(priorities, vec![0, 0, 0, 0, 1, 1, 0, 1, 1, 1]);
        let ev = json!({"metadata": {"name": "nginx.17d1", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "nginx", "fieldPath": "spec.containers{nginx}"},
            "reason": "Pulled", "message": "  Successfully pulled image \"nginx\"\n", "type": "Normal",
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": "2024-06-01T11:00:00Z", "lastTimestamp": "2024-06-01T11:58:00Z", "count": 4});
        assert_eq!(
            builtin_row_cells("", "events", &ev, now()),
            vec![
                json!("2m"),
                json!("Normal"),
                json!("Pulled"),
                json!("pod/nginx"),
                json!("spec.containers{nginx}"),
                json!("kubelet, node-1"),
                json!("Successfully pulled image \"nginx\""),
                json!("60m"),
                json!(4),
                json!("nginx.17d1"),
            ]
        );
    }

    #[test]
    fn new_style_events_and_series() {
        // events.k8s.io/v1 names: eventTime only, reporting fields, singleton count 1.
        let ev = json!({"metadata": {"name": "e1"},
            "regarding": {"kind": "Node", "name": ""},
            "reason": "Rebooted", "note": "rebooted", "type": "Warning",
            "eventTime": "2024-06-01T11:59:50.000000Z", "reportingController": "kubelet", "reportingInstance": "node-2"});
        assert_eq!(
            builtin_row_cells("events.k8s.io", "events", &ev, now()),
            vec![
                json!("10s"),
                json!("Warning"),
                json!("Rebooted"),
                json!("node"),
                json!(""),
                json!("kubelet, node-2"),
                json!("rebooted"),
                json!("10s"),
                json!(1),
                json!("e1"),
            ]
        );
        let series = json!({"metadata": {"name": "e2"}, "involvedObject": {"kind": "Pod", "name": "p"},
            "eventTime": "2024-06-01T10:00:00.000000Z", "reportingComponent": "ctrl",
            "series": {"count": 7, "lastObservedTime": "2024-06-01T11:59:00.000000Z"}});
        let cells = builtin_row_cells("", "events", &series, now());
        assert_eq!(cells[0], json!("60s"));
        assert_eq!(cells[5], json!("ctrl"));
        assert_eq!(cells[7], json!("120m"));
        assert_eq!(cells[8], json!(7));
    }

    fn cells(group: &str, resource: &str, obj: &Value) -> Vec<Value> {
        builtin_row_cells(group, resource, obj, now())
    }

    fn priorities(cols: &[Value]) -> Vec<i64> {
        cols.iter()
            .map(|c| c["priority"].as_i64().unwrap_or(-1))
            .collect()
    }

    /// Every printer fills one cell per column (kube's IPAddress printer, which adds an
    /// undeclared Age cell, excepted), even for an object with nothing set.
    #[test]
    fn every_printer_fills_its_columns() {
        let resources = [
            ("", "pods"),
            ("", "podtemplates"),
            ("", "replicationcontrollers"),
            ("", "services"),
            ("", "endpoints"),
            ("", "nodes"),
            ("", "namespaces"),
            ("", "configmaps"),
            ("", "secrets"),
            ("", "serviceaccounts"),
            ("", "persistentvolumes"),
            ("", "persistentvolumeclaims"),
            ("", "componentstatuses"),
            ("", "resourcequotas"),
            ("", "events"),
            ("", "limitranges"),
            ("events.k8s.io", "events"),
            ("policy", "poddisruptionbudgets"),
            ("apps", "replicasets"),
            ("apps", "daemonsets"),
            ("apps", "statefulsets"),
            ("apps", "deployments"),
            ("apps", "controllerrevisions"),
            ("batch", "jobs"),
            ("batch", "cronjobs"),
            ("networking.k8s.io", "ingresses"),
            ("networking.k8s.io", "ingressclasses"),
            ("networking.k8s.io", "networkpolicies"),
            ("networking.k8s.io", "servicecidrs"),
            ("autoscaling", "horizontalpodautoscalers"),
            ("rbac.authorization.k8s.io", "rolebindings"),
            ("rbac.authorization.k8s.io", "clusterrolebindings"),
            ("rbac.authorization.k8s.io", "roles"),
            ("certificates.k8s.io", "certificatesigningrequests"),
            ("coordination.k8s.io", "leases"),
            ("storage.k8s.io", "storageclasses"),
            ("storage.k8s.io", "volumeattributesclasses"),
            ("storage.k8s.io", "volumeattachments"),
            ("storage.k8s.io", "csinodes"),
            ("storage.k8s.io", "csidrivers"),
            ("storage.k8s.io", "csistoragecapacities"),
            ("scheduling.k8s.io", "priorityclasses"),
            ("node.k8s.io", "runtimeclasses"),
            ("discovery.k8s.io", "endpointslices"),
            (
                "admissionregistration.k8s.io",
                "mutatingwebhookconfigurations",
            ),
            (
                "admissionregistration.k8s.io",
                "validatingwebhookconfigurations",
            ),
            (
                "admissionregistration.k8s.io",
                "validatingadmissionpolicies",
            ),
            (
                "admissionregistration.k8s.io",
                "validatingadmissionpolicybindings",
            ),
            ("admissionregistration.k8s.io", "mutatingadmissionpolicies"),
            (
                "admissionregistration.k8s.io",
                "mutatingadmissionpolicybindings",
            ),
            ("flowcontrol.apiserver.k8s.io", "flowschemas"),
            (
                "flowcontrol.apiserver.k8s.io",
                "prioritylevelconfigurations",
            ),
            ("resource.k8s.io", "deviceclasses"),
            ("resource.k8s.io", "resourceclaims"),
            ("resource.k8s.io", "resourceclaimtemplates"),
            ("apiregistration.k8s.io", "apiservices"),
            ("apiextensions.k8s.io", "customresourcedefinitions"),
        ];
        for obj in [
            json!({}),
            json!({"metadata": {"name": "x"}, "spec": {}, "status": {}}),
        ] {
            for (group, resource) in resources {
                let cols = builtin_columns(group, resource);
                let row = cells(group, resource, &obj);
                assert_eq!(cols.len(), row.len(), "{group}/{resource}");
                for c in &cols {
                    assert!(c["name"].is_string() && c["description"].is_string());
                }
            }
        }
        let row = cells("networking.k8s.io", "ipaddresses", &json!({}));
        assert_eq!(
            builtin_columns("networking.k8s.io", "ipaddresses").len() + 1,
            row.len()
        );
        assert!(has_builtin_printer("", "pods"));
        assert!(!has_builtin_printer("", "limitranges"));
        assert!(!has_builtin_printer(
            "apiextensions.k8s.io",
            "customresourcedefinitions"
        ));
    }

    #[test]
    fn pod_columns() {
        let cols = builtin_columns("", "pods");
        assert_eq!(
            names(&cols),
            vec![
                "Name",
                "Ready",
                "Status",
                "Restarts",
                "Age",
                "IP",
                "Node",
                "Nominated Node",
                "Readiness Gates"
            ]
        );
        assert_eq!(priorities(&cols), vec![0, 0, 0, 0, 0, 1, 1, 1, 1]);
        assert_eq!(cols[3]["type"], "string");
        assert_eq!(
            cols[5]["description"],
            "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."
        );
    }

    fn pod(spec: Value, status: Value) -> Value {
        json!({"metadata": {"name": "p", "creationTimestamp": "2024-06-01T11:00:00Z"},
            "spec": spec, "status": status})
    }

    fn two_containers() -> Value {
        json!({"containers": [{"name": "a"}, {"name": "b"}]})
    }

    #[test]
    fn running_pod_row_as_kind_prints_it() {
        let p = json!({"metadata": {"name": "coredns-7db6d8ff4d-4xk2p", "namespace": "kube-system", "creationTimestamp": "2024-06-01T09:30:00Z"},
            "spec": {"nodeName": "kind-control-plane", "containers": [{"name": "coredns", "image": "registry.k8s.io/coredns/coredns:v1.11.1"}]},
            "status": {"phase": "Running", "podIP": "10.244.0.3", "podIPs": [{"ip": "10.244.0.3"}],
                "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
                "containerStatuses": [{"name": "coredns", "ready": true, "started": true, "restartCount": 0,
                    "state": {"running": {"startedAt": "2024-06-01T09:31:00Z"}}}]}});
        assert_eq!(
            cells("", "pods", &p),
            vec![
                json!("coredns-7db6d8ff4d-4xk2p"),
                json!("1/1"),
                json!("Running"),
                json!("0"),
                json!("150m"),
                json!("10.244.0.3"),
                json!("kind-control-plane"),
                json!("<none>"),
                json!("<none>"),
            ]
        );
        assert_eq!(builtin_row_conditions("", "pods", &p), None);
    }

    #[test]
    fn pod_restarts_show_when_the_last_one_was() {
        let p = pod(
            json!({"containers": [{"name": "app"}]}),
            json!({"phase": "Running", "containerStatuses": [{"name": "app", "ready": true, "restartCount": 3,
                "state": {"running": {}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2024-06-01T11:55:00Z"}}}]}),
        );
        let row = cells("", "pods", &p);
        assert_eq!(row[1], json!("1/1"));
        assert_eq!(row[3], json!("3 (5m ago)"));
    }

    // The cases of kube's TestPrintPod.
    #[test]
    fn pod_status_follows_the_containers() {
        let cases = [
            (
                json!({"phase": "podPhase", "containerStatuses": [
                    {"ready": true, "restartCount": 3, "state": {"running": {}}},
                    {"restartCount": 3}]}),
                "1/2",
                "podPhase",
            ),
            (
                json!({"phase": "podPhase", "containerStatuses": [
                    {"ready": true, "restartCount": 3, "state": {"running": {}}},
                    {"restartCount": 3, "state": {"waiting": {"reason": "ContainerWaitingReason"}}}]}),
                "1/2",
                "ContainerWaitingReason",
            ),
            (
                json!({"phase": "podPhase", "containerStatuses": [
                    {"restartCount": 3, "state": {"waiting": {"reason": "ContainerWaitingReason"}}},
                    {"restartCount": 3, "state": {"terminated": {"reason": "ContainerTerminatedReason"}}}]}),
                "0/2",
                "ContainerWaitingReason",
            ),
            (
                json!({"phase": "podPhase", "containerStatuses": [
                    {"ready": true, "restartCount": 3, "state": {"running": {}}},
                    {"ready": true, "restartCount": 3}]}),
                "1/2",
                "podPhase",
            ),
            (
                json!({"phase": "podPhase", "reason": "podReason", "containerStatuses": [
                    {"ready": true, "restartCount": 3, "state": {"running": {}}},
                    {"ready": true, "restartCount": 3}]}),
                "1/2",
                "podReason",
            ),
            (
                json!({"phase": "Running", "containerStatuses": [
                    {"ready": true, "restartCount": 3, "state": {"terminated": {"reason": "Completed", "exitCode": 0}}},
                    {"ready": true, "restartCount": 3, "state": {"running": {}}}]}),
                "1/2",
                "NotReady",
            ),
            (
                json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}], "containerStatuses": [
                    {"ready": true, "restartCount": 3, "state": {"terminated": {"reason": "Completed", "exitCode": 0}}},
                    {"ready": true, "restartCount": 3, "state": {"running": {}}}]}),
                "1/2",
                "Running",
            ),
            (
                json!({"phase": "Running", "containerStatuses": [
                    {"restartCount": 0, "state": {"terminated": {"exitCode": 137, "signal": 9}}}, {}]}),
                "0/2",
                "Signal:9",
            ),
            (
                json!({"phase": "Running", "containerStatuses": [
                    {"restartCount": 0, "state": {"terminated": {"exitCode": 2}}}, {}]}),
                "0/2",
                "ExitCode:2",
            ),
        ];
        for (status, ready, reason) in cases {
            let row = cells("", "pods", &pod(two_containers(), status.clone()));
            assert_eq!(row[1], json!(ready), "{status}");
            assert_eq!(row[2], json!(reason), "{status}");
        }
    }

    #[test]
    fn pod_status_while_initializing() {
        let spec = json!({"initContainers": [{"name": "init-a"}, {"name": "init-b"}], "containers": [{"name": "app"}]});
        let app_waiting =
            json!([{"name": "app", "state": {"waiting": {"reason": "PodInitializing"}}}]);
        let cases = [
            (
                json!([{"name": "init-a", "state": {"running": {}}}]),
                "Init:0/2",
            ),
            (
                json!([{"name": "init-a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                    {"name": "init-b", "state": {"running": {}}}]),
                "Init:1/2",
            ),
            (
                json!([{"name": "init-a", "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]),
                "Init:CrashLoopBackOff",
            ),
            (
                json!([{"name": "init-a", "state": {"waiting": {"reason": "PodInitializing"}}}]),
                "Init:0/2",
            ),
            (
                json!([{"name": "init-a", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]),
                "Init:Error",
            ),
            (
                json!([{"name": "init-a", "state": {"terminated": {"exitCode": 1}}}]),
                "Init:ExitCode:1",
            ),
            (
                json!([{"name": "init-a", "state": {"terminated": {"exitCode": 137, "signal": 9}}}]),
                "Init:Signal:9",
            ),
        ];
        for (init, reason) in cases {
            let status = json!({"phase": "Pending", "initContainerStatuses": init, "containerStatuses": app_waiting});
            let row = cells("", "pods", &pod(spec.clone(), status));
            assert_eq!(row[1], json!("0/1"), "{init}");
            assert_eq!(row[2], json!(reason), "{init}");
        }
        // Restarts of a failing init container count while the pod initializes.
        let status = json!({"phase": "Pending", "initContainerStatuses": [{"name": "init-a", "restartCount": 4,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2024-06-01T11:59:30Z"}}}]});
        assert_eq!(
            cells("", "pods", &pod(spec, status))[3],
            json!("4 (30s ago)")
        );
    }

    #[test]
    fn sidecars_count_in_ready_and_restarts() {
        let spec = json!({"initContainers": [{"name": "proxy", "restartPolicy": "Always"}],
            "containers": [{"name": "app"}]});
        let status = json!({"phase": "Running",
            "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
            "initContainerStatuses": [{"name": "proxy", "started": true, "ready": true, "restartCount": 2,
                "state": {"running": {}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2024-06-01T11:50:00Z"}}}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 1, "state": {"running": {}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2024-06-01T11:40:00Z"}}}]});
        let row = cells("", "pods", &pod(spec.clone(), status));
        assert_eq!(row[1], json!("2/2"));
        assert_eq!(row[2], json!("Running"));
        assert_eq!(row[3], json!("3 (10m ago)"));
        // A sidecar that has not started yet holds initialization.
        let starting = json!({"phase": "Pending", "initContainerStatuses": [{"name": "proxy", "started": false,
            "state": {"running": {}}}]});
        let row = cells("", "pods", &pod(spec, starting));
        assert_eq!(row[1], json!("0/2"));
        assert_eq!(row[2], json!("Init:0/1"));
    }

    #[test]
    fn pod_terminating_gated_and_finished() {
        let mut p = pod(
            json!({"containers": [{"name": "app"}]}),
            json!({"phase": "Running", "containerStatuses": [{"name": "app", "ready": true, "state": {"running": {}}}]}),
        );
        p["metadata"]["deletionTimestamp"] = json!("2024-06-01T11:59:50Z");
        assert_eq!(cells("", "pods", &p)[2], json!("Terminating"));
        p["status"]["reason"] = json!("NodeLost");
        assert_eq!(cells("", "pods", &p)[2], json!("Unknown"));

        let gated = pod(
            json!({"containers": [{"name": "app"}], "schedulingGates": [{"name": "example.com/gate"}]}),
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}),
        );
        assert_eq!(cells("", "pods", &gated)[2], json!("SchedulingGated"));

        let mut done = pod(
            json!({"containers": [{"name": "app"}]}),
            json!({"phase": "Succeeded", "containerStatuses": [{"name": "app",
                "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}),
        );
        done["metadata"]["deletionTimestamp"] = json!("2024-06-01T11:59:50Z");
        assert_eq!(cells("", "pods", &done)[2], json!("Completed"));
        assert_eq!(
            builtin_row_conditions("", "pods", &done),
            Some(
                json!([{"type": "Completed", "status": "True", "reason": "Succeeded",
                "message": "The pod has completed successfully."}])
            )
        );
        let failed = pod(json!({}), json!({"phase": "Failed"}));
        assert_eq!(
            builtin_row_conditions("", "pods", &failed).map(|c| c[0]["message"].clone()),
            Some(json!("The pod failed."))
        );
        assert_eq!(builtin_row_conditions("", "services", &failed), None);
    }

    #[test]
    fn pod_wide_cells() {
        let p = pod(
            json!({"containers": [{"name": "app"}], "nodeName": "worker",
                "readinessGates": [{"conditionType": "example.com/a"}, {"conditionType": "example.com/b"}]}),
            json!({"phase": "Running", "nominatedNodeName": "other", "podIPs": [{"ip": "10.244.1.7"}, {"ip": "fd00::7"}],
                "conditions": [{"type": "example.com/a", "status": "True"}, {"type": "example.com/b", "status": "False"}]}),
        );
        let row = cells("", "pods", &p);
        assert_eq!(
            row[5..].to_vec(),
            vec![
                json!("10.244.1.7"),
                json!("worker"),
                json!("other"),
                json!("1/2")
            ]
        );
    }

    #[test]
    fn service_rows() {
        let cols = builtin_columns("", "services");
        assert_eq!(
            names(&cols),
            vec![
                "Name",
                "Type",
                "Cluster-IP",
                "External-IP",
                "Port(s)",
                "Age",
                "Selector"
            ]
        );
        assert_eq!(priorities(&cols), vec![0, 0, 0, 0, 0, 0, 1]);
        let svc = |spec: Value, status: Value| json!({"metadata": {"name": "s", "creationTimestamp": "2024-05-31T12:00:00Z"}, "spec": spec, "status": status});
        let kubernetes = svc(
            json!({"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}),
            json!({}),
        );
        assert_eq!(
            cells("", "services", &kubernetes)[1..],
            [
                json!("ClusterIP"),
                json!("10.96.0.1"),
                json!("<none>"),
                json!("443/TCP"),
                json!("24h"),
                json!("<none>")
            ]
        );
        let kube_dns = svc(
            json!({"type": "ClusterIP", "clusterIPs": ["10.96.0.10"], "selector": {"k8s-app": "kube-dns"},
                "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                    {"name": "metrics", "port": 9153, "protocol": "TCP"}]}),
            json!({}),
        );
        let row = cells("", "services", &kube_dns);
        assert_eq!(row[4], json!("53/UDP,53/TCP,9153/TCP"));
        assert_eq!(row[6], json!("k8s-app=kube-dns"));
        let node_port = svc(
            json!({"type": "NodePort", "clusterIPs": ["10.96.10.10"], "externalIPs": ["1.2.3.4"],
                "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]}),
            json!({}),
        );
        let row = cells("", "services", &node_port);
        assert_eq!(row[3], json!("1.2.3.4"));
        assert_eq!(row[4], json!("80:30080/TCP"));
        // kube's TestPrintServiceLoadBalancer, wide (the server never clips the list).
        let pending = svc(
            json!({"type": "LoadBalancer", "clusterIPs": ["1.3.4.5"], "ports": [{"port": 80, "protocol": "TCP"},
                {"port": 8090, "protocol": "UDP"}, {"port": 8000, "protocol": "TCP"}, {"port": 7777, "protocol": "SCTP"}]}),
            json!({}),
        );
        let row = cells("", "services", &pending);
        assert_eq!(row[3], json!("<pending>"));
        assert_eq!(row[4], json!("80/TCP,8090/UDP,8000/TCP,7777/SCTP"));
        let lb = svc(
            json!({"type": "LoadBalancer", "clusterIPs": ["1.5.6.7"], "selector": {"foo": "bar"}, "ports": []}),
            json!({"loadBalancer": {"ingress": [{"ip": "3.4.5.6"}, {"ip": "2.3.4.5"}, {"ip": "5.6.7.8", "hostname": "host5678"}]}}),
        );
        let row = cells("", "services", &lb);
        assert_eq!(row[3], json!("2.3.4.5,3.4.5.6,5.6.7.8"));
        assert_eq!(row[4], json!("<none>"));
        assert_eq!(row[6], json!("foo=bar"));
        let lb_and_external = svc(
            json!({"type": "LoadBalancer", "clusterIPs": ["1.5.6.7"], "externalIPs": ["9.9.9.9"]}),
            json!({"loadBalancer": {"ingress": [{"hostname": "lb.example.com"}]}}),
        );
        assert_eq!(
            cells("", "services", &lb_and_external)[3],
            json!("lb.example.com,9.9.9.9")
        );
        let external_name = svc(
            json!({"type": "ExternalName", "externalName": "example.com"}),
            json!({}),
        );
        let row = cells("", "services", &external_name);
        assert_eq!(row[2], json!("<none>"));
        assert_eq!(row[3], json!("example.com"));
        let headless = svc(
            json!({"type": "ClusterIP", "clusterIPs": ["None"], "ports": [{"port": 80, "protocol": "TCP"}]}),
            json!({}),
        );
        assert_eq!(cells("", "services", &headless)[2], json!("None"));
    }

    #[test]
    fn endpoints_rows() {
        let ep = |subsets: Value| json!({"metadata": {"name": "e"}, "subsets": subsets});
        assert_eq!(cells("", "endpoints", &ep(json!(null)))[1], json!("<none>"));
        let kubernetes = ep(json!([{"addresses": [{"ip": "172.18.0.2"}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]));
        assert_eq!(
            cells("", "endpoints", &kubernetes)[1],
            json!("172.18.0.2:6443")
        );
        let many = ep(
            json!([{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
            "ports": [{"port": 53}, {"port": 9153}]}]),
        );
        assert_eq!(
            cells("", "endpoints", &many)[1],
            json!("10.0.0.1:53,10.0.0.2:53,10.0.0.1:9153 + 1 more...")
        );
        let headless = ep(json!([{"addresses": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}]}]));
        assert_eq!(
            cells("", "endpoints", &headless)[1],
            json!("10.0.0.1,fd00::1")
        );
        let v6 = ep(json!([{"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 80}]}]));
        assert_eq!(cells("", "endpoints", &v6)[1], json!("[fd00::1]:80"));
        let not_ready =
            ep(json!([{"notReadyAddresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]));
        assert_eq!(cells("", "endpoints", &not_ready)[1], json!(""));
    }

    #[test]
    fn endpoint_slice_rows() {
        let slice = json!({"metadata": {"name": "kubernetes", "creationTimestamp": "2024-06-01T11:00:00Z"},
            "addressType": "IPv4", "endpoints": [{"addresses": ["172.18.0.2"], "conditions": {"ready": true}}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]});
        assert_eq!(
            cells("discovery.k8s.io", "endpointslices", &slice),
            vec![
                json!("kubernetes"),
                json!("IPv4"),
                json!("6443"),
                json!("172.18.0.2"),
                json!("60m")
            ]
        );
        let empty = json!({"metadata": {"name": "e"}, "addressType": "IPv6", "endpoints": [], "ports": null});
        let row = cells("discovery.k8s.io", "endpointslices", &empty);
        assert_eq!(
            (row[2].clone(), row[3].clone()),
            (json!("<unset>"), json!("<unset>"))
        );
        let more = json!({"metadata": {"name": "e"}, "ports": [{"port": 1}, {"name": "x"}, {}, {"port": 4}],
            "endpoints": [{"addresses": ["a", "b"]}, {"addresses": ["c", "d", "e"]}]});
        let row = cells("discovery.k8s.io", "endpointslices", &more);
        assert_eq!(row[2], json!("1,x,* + 1 more..."));
        assert_eq!(row[3], json!("a,b,c + 2 more..."));
    }

    #[test]
    fn node_rows() {
        let cols = builtin_columns("", "nodes");
        assert_eq!(
            names(&cols),
            vec![
                "Name",
                "Status",
                "Roles",
                "Age",
                "Version",
                "Internal-IP",
                "External-IP",
                "OS-Image",
                "Kernel-Version",
                "Container-Runtime"
            ]
        );
        assert_eq!(priorities(&cols), vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
        let node = json!({"metadata": {"name": "kind-control-plane", "creationTimestamp": "2024-06-01T10:00:00Z",
                "labels": {"kubernetes.io/hostname": "kind-control-plane", "node-role.kubernetes.io/control-plane": "",
                    "node.kubernetes.io/exclude-from-external-load-balancers": ""}},
            "spec": {"podCIDR": "10.244.0.0/24"},
            "status": {"conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
                "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}, {"type": "Hostname", "address": "kind-control-plane"}],
                "nodeInfo": {"kubeletVersion": "v1.36.0", "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "kernelVersion": "6.8.0-45-generic", "containerRuntimeVersion": "containerd://2.1.1"}}});
        assert_eq!(
            cells("", "nodes", &node),
            vec![
                json!("kind-control-plane"),
                json!("Ready"),
                json!("control-plane"),
                json!("120m"),
                json!("v1.36.0"),
                json!("172.18.0.2"),
                json!("<none>"),
                json!("Debian GNU/Linux 12 (bookworm)"),
                json!("6.8.0-45-generic"),
                json!("containerd://2.1.1"),
            ]
        );
        // kube's TestPrintNodeStatus / TestPrintNodeRole cases.
        let cordoned = json!({"metadata": {"name": "n", "labels": {"kubernetes.io/role": "worker",
                "node-role.kubernetes.io/ingress": "", "node-role.kubernetes.io/": ""}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "False"}]}});
        let row = cells("", "nodes", &cordoned);
        assert_eq!(row[1], json!("NotReady,SchedulingDisabled"));
        assert_eq!(row[2], json!("ingress,worker"));
        let bare = json!({"metadata": {"name": "n"}});
        let row = cells("", "nodes", &bare);
        assert_eq!(
            row[1..],
            [
                json!("Unknown"),
                json!("<none>"),
                json!("<unknown>"),
                json!(""),
                json!("<none>"),
                json!("<none>"),
                json!("<unknown>"),
                json!("<unknown>"),
                json!("<unknown>")
            ]
        );
    }

    fn template(containers: Value) -> Value {
        json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": containers}})
    }

    #[test]
    fn deployment_and_replica_set_rows() {
        let cols = builtin_columns("apps", "deployments");
        assert_eq!(
            names(&cols),
            vec![
                "Name",
                "Ready",
                "Up-to-date",
                "Available",
                "Age",
                "Containers",
                "Images",
                "Selector"
            ]
        );
        assert_eq!(priorities(&cols), vec![0, 0, 0, 0, 0, 1, 1, 1]);
        let coredns = json!({"metadata": {"name": "coredns", "creationTimestamp": "2024-06-01T10:00:00Z"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
                "template": template(json!([{"name": "coredns", "image": "registry.k8s.io/coredns/coredns:v1.12.0"}]))},
            "status": {"replicas": 2, "updatedReplicas": 2, "readyReplicas": 1, "availableReplicas": 1}});
        assert_eq!(
            cells("apps", "deployments", &coredns),
            vec![
                json!("coredns"),
                json!("1/2"),
                json!(2),
                json!(1),
                json!("120m"),
                json!("coredns"),
                json!("registry.k8s.io/coredns/coredns:v1.12.0"),
                json!("k8s-app=kube-dns"),
            ]
        );
        let rs = json!({"metadata": {"name": "coredns-668d6bf9bc", "creationTimestamp": "2024-06-01T10:00:00Z"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"k8s-app": "kube-dns", "pod-template-hash": "668d6bf9bc"}},
                "template": template(json!([{"name": "a", "image": "ia"}, {"name": "b", "image": "ib"}]))},
            "status": {"replicas": 2, "readyReplicas": 2}});
        assert_eq!(
            cells("apps", "replicasets", &rs)[1..],
            [
                json!(2),
                json!(2),
                json!(2),
                json!("120m"),
                json!("a,b"),
                json!("ia,ib"),
                json!("k8s-app=kube-dns,pod-template-hash=668d6bf9bc"),
            ]
        );
        let rc = json!({"metadata": {"name": "rc"}, "spec": {"replicas": 3, "selector": {"app": "web"},
            "template": template(json!([{"name": "web", "image": "nginx"}]))}, "status": {"replicas": 3}});
        assert_eq!(
            cells("", "replicationcontrollers", &rc)[1..],
            [
                json!(3),
                json!(3),
                json!(0),
                json!("<unknown>"),
                json!("web"),
                json!("nginx"),
                json!("app=web")
            ]
        );
    }

    #[test]
    fn stateful_and_daemon_set_rows() {
        let sts = json!({"metadata": {"name": "web", "creationTimestamp": "2024-06-01T11:58:00Z"},
            "spec": {"replicas": 3, "template": template(json!([{"name": "nginx", "image": "nginx:1.27"}]))},
            "status": {"replicas": 2, "readyReplicas": 2}});
        assert_eq!(
            names(&builtin_columns("apps", "statefulsets")),
            vec!["Name", "Ready", "Age", "Containers", "Images"]
        );
        assert_eq!(
            cells("apps", "statefulsets", &sts),
            vec![
                json!("web"),
                json!("2/3"),
                json!("2m"),
                json!("nginx"),
                json!("nginx:1.27")
            ]
        );
        let kindnet = json!({"metadata": {"name": "kindnet", "creationTimestamp": "2024-06-01T10:00:00Z"},
            "spec": {"selector": {"matchLabels": {"app": "kindnet"}},
                "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                    "containers": [{"name": "kindnet-cni", "image": "docker.io/kindest/kindnetd:v20250512"}]}}},
            "status": {"desiredNumberScheduled": 1, "currentNumberScheduled": 1, "numberReady": 1,
                "updatedNumberScheduled": 1, "numberAvailable": 1}});
        assert_eq!(
            names(&builtin_columns("apps", "daemonsets")),
            vec![
                "Name",
                "Desired",
                "Current",
                "Ready",
                "Up-to-date",
                "Available",
                "Node Selector",
                "Age",
                "Containers",
                "Images",
                "Selector"
            ]
        );
        assert_eq!(
            cells("apps", "daemonsets", &kindnet),
            vec![
                json!("kindnet"),
                json!(1),
                json!(1),
                json!(1),
                json!(1),
                json!(1),
                json!("kubernetes.io/os=linux"),
                json!("120m"),
                json!("kindnet-cni"),
                json!("docker.io/kindest/kindnetd:v20250512"),
                json!("app=kindnet"),
            ]
        );
    }

    #[test]
    fn label_selectors_print_like_apimachinery() {
        let sel = json!({"matchLabels": {"tier": "front", "app": "web"}, "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "dev"]},
            {"key": "zone", "operator": "NotIn", "values": ["b"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "release", "operator": "Exists"}]});
        assert_eq!(
            format_label_selector(Some(&sel)),
            "app=web,!canary,env in (dev,prod),release,tier=front,zone notin (b)"
        );
        assert_eq!(format_label_selector(None), "<none>");
        assert_eq!(format_label_selector(Some(&json!({}))), "<none>");
        let bad = json!({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]});
        assert_eq!(format_label_selector(Some(&bad)), "<error>");
        assert_eq!(label_selector_string(Some(&bad)), Err(()));
        assert_eq!(format_labels(Some(&json!({"b": "2", "a": "1"}))), "a=1,b=2");
    }

    #[test]
    fn job_rows() {
        let cols = builtin_columns("batch", "jobs");
        assert_eq!(
            names(&cols),
            vec![
                "Name",
                "Status",
                "Completions",
                "Duration",
                "Age",
                "Containers",
                "Images",
                "Selector"
            ]
        );
        let job = |spec: Value, status: Value| {
            json!({"metadata": {"name": "pi", "creationTimestamp": "2024-06-01T11:00:00Z"},
                "spec": spec, "status": status})
        };
        let complete = job(
            json!({"completions": 1, "parallelism": 1, "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}},
                "template": {"spec": {"containers": [{"name": "pi", "image": "perl:5.34.0"}]}}}),
            json!({"succeeded": 1, "startTime": "2024-06-01T11:00:00Z", "completionTime": "2024-06-01T11:00:17Z",
                "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}]}),
        );
        assert_eq!(
            cells("batch", "jobs", &complete),
            vec![
                json!("pi"),
                json!("Complete"),
                json!("1/1"),
                json!("17s"),
                json!("60m"),
                json!("pi"),
                json!("perl:5.34.0"),
                json!("batch.kubernetes.io/controller-uid=u1"),
            ]
        );
        // kube's TestPrintJob completions: without completions, parallelism shows.
        let running = job(
            json!({"parallelism": 2}),
            json!({"startTime": "2024-06-01T11:57:30Z"}),
        );
        let row = cells("batch", "jobs", &running);
        assert_eq!(
            row[1..4],
            [json!("Running"), json!("0/1 of 2"), json!("2m30s")]
        );
        let unstarted = job(json!({}), json!({}));
        assert_eq!(
            cells("batch", "jobs", &unstarted)[1..4],
            [json!("Running"), json!("0/1"), json!("")]
        );
        let failed = job(
            json!({"completions": 3}),
            json!({"succeeded": 1, "conditions": [{"type": "FailureTarget", "status": "True"}, {"type": "Failed", "status": "True"}]}),
        );
        assert_eq!(
            cells("batch", "jobs", &failed)[1..3],
            [json!("Failed"), json!("1/3")]
        );
        let suspended = job(
            json!({}),
            json!({"conditions": [{"type": "Suspended", "status": "True"}]}),
        );
        assert_eq!(cells("batch", "jobs", &suspended)[1], json!("Suspended"));
        let mut terminating = job(json!({}), json!({}));
        terminating["metadata"]["deletionTimestamp"] = json!("2024-06-01T11:59:00Z");
        assert_eq!(
            cells("batch", "jobs", &terminating)[1],
            json!("Terminating")
        );
    }

    #[test]
    fn cron_job_rows() {
        let cols = builtin_columns("batch", "cronjobs");
        assert_eq!(
            names(&cols),
            vec![
                "Name",
                "Schedule",
                "Timezone",
                "Suspend",
                "Active",
                "Last Schedule",
                "Age",
                "Containers",
                "Images",
                "Selector"
            ]
        );
        assert_eq!(cols[3]["type"], "boolean");
        let cj = json!({"metadata": {"name": "hello", "creationTimestamp": "2024-06-01T10:00:00Z"},
            "spec": {"schedule": "* * * * *", "suspend": false, "jobTemplate": {"spec": {"template": {"spec":
                {"containers": [{"name": "hello", "image": "busybox:1.28"}]}}}}},
            "status": {"active": [{"kind": "Job", "name": "hello-1"}], "lastScheduleTime": "2024-06-01T11:59:00Z"}});
        assert_eq!(
            cells("batch", "cronjobs", &cj),
            vec![
                json!("hello"),
                json!("* * * * *"),
                json!("<none>"),
                json!("False"),
                json!(1),
                json!("60s"),
                json!("120m"),
                json!("hello"),
                json!("busybox:1.28"),
                json!("<none>"),
            ]
        );
        let fresh = json!({"metadata": {"name": "c"}, "spec": {"schedule": "@daily", "timeZone": "Etc/UTC"}});
        assert_eq!(
            cells("batch", "cronjobs", &fresh)[2..6],
            [
                json!("Etc/UTC"),
                json!("<unset>"),
                json!(0),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn storage_rows() {
        let sc = json!({"metadata": {"name": "standard", "creationTimestamp": "2024-06-01T10:00:00Z",
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"});
        assert_eq!(
            names(&builtin_columns("storage.k8s.io", "storageclasses")),
            vec![
                "Name",
                "Provisioner",
                "ReclaimPolicy",
                "VolumeBindingMode",
                "AllowVolumeExpansion",
                "Age"
            ]
        );
        assert_eq!(
            cells("storage.k8s.io", "storageclasses", &sc),
            vec![
                json!("standard (default)"),
                json!("rancher.io/local-path"),
                json!("Delete"),
                json!("WaitForFirstConsumer"),
                json!(false),
                json!("120m"),
            ]
        );
        let bare =
            json!({"metadata": {"name": "fast"}, "provisioner": "p", "allowVolumeExpansion": true});
        assert_eq!(
            cells("storage.k8s.io", "storageclasses", &bare)[..5],
            [
                json!("fast"),
                json!("p"),
                json!("Delete"),
                json!("Immediate"),
                json!(true)
            ]
        );

        let pv = json!({"metadata": {"name": "pvc-1234", "creationTimestamp": "2024-06-01T11:00:00Z"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard", "volumeMode": "Filesystem",
                "claimRef": {"namespace": "default", "name": "data"}},
            "status": {"phase": "Bound"}});
        assert_eq!(
            names(&builtin_columns("", "persistentvolumes")),
            vec![
                "Name",
                "Capacity",
                "Access Modes",
                "Reclaim Policy",
                "Status",
                "Claim",
                "StorageClass",
                "VolumeAttributesClass",
                "Reason",
                "Age",
                "VolumeMode"
            ]
        );
        assert_eq!(
            cells("", "persistentvolumes", &pv),
            vec![
                json!("pvc-1234"),
                json!("1Gi"),
                json!("RWO,RWX"),
                json!("Delete"),
                json!("Bound"),
                json!("default/data"),
                json!("standard"),
                json!("<unset>"),
                json!(""),
                json!("60m"),
                json!("Filesystem"),
            ]
        );
        let released = json!({"metadata": {"name": "v", "annotations": {"volume.beta.kubernetes.io/storage-class": "beta"},
            "deletionTimestamp": "2024-06-01T11:00:00Z"}, "spec": {"storageClassName": "ignored"}});
        let row = cells("", "persistentvolumes", &released);
        assert_eq!(
            (row[1].clone(), row[4].clone(), row[6].clone()),
            (json!("0"), json!("Terminating"), json!("beta"))
        );

        let pvc = |volume: &str| {
            json!({"metadata": {"name": "data", "creationTimestamp": "2024-06-01T11:00:00Z"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                    "storageClassName": "standard", "volumeName": volume, "volumeMode": "Filesystem"},
                "status": {"phase": if volume.is_empty() { "Pending" } else { "Bound" },
                    "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "2Gi"}}})
        };
        assert_eq!(
            cells("", "persistentvolumeclaims", &pvc("pvc-1234")),
            vec![
                json!("data"),
                json!("Bound"),
                json!("pvc-1234"),
                json!("2Gi"),
                json!("RWO"),
                json!("standard"),
                json!("<unset>"),
                json!("60m"),
                json!("Filesystem"),
            ]
        );
        assert_eq!(
            cells("", "persistentvolumeclaims", &pvc(""))[1..5],
            [json!("Pending"), json!(""), json!(""), json!("")]
        );
    }

    #[test]
    fn csi_and_attachment_rows() {
        let driver = json!({"metadata": {"name": "ebs.csi.aws.com", "creationTimestamp": "2024-06-01T11:00:00Z"},
            "spec": {"podInfoOnMount": true, "tokenRequests": [{"audience": "a"}, {"audience": "b"}],
                "volumeLifecycleModes": ["Persistent", "Ephemeral"]}});
        assert_eq!(
            cells("storage.k8s.io", "csidrivers", &driver),
            vec![
                json!("ebs.csi.aws.com"),
                json!(true),
                json!(true),
                json!(false),
                json!("a,b"),
                json!(false),
                json!("Persistent,Ephemeral"),
                json!("60m"),
            ]
        );
        let plain = json!({"metadata": {"name": "d"}, "spec": {"attachRequired": false}});
        let row = cells("storage.k8s.io", "csidrivers", &plain);
        assert_eq!(
            (row[1].clone(), row[4].clone(), row[6].clone()),
            (json!(false), json!("<unset>"), json!("<none>"))
        );
        let va = json!({"metadata": {"name": "csi-123"}, "spec": {"attacher": "ebs.csi.aws.com", "nodeName": "n1",
            "source": {"persistentVolumeName": "pv-1"}}, "status": {"attached": true}});
        assert_eq!(
            cells("storage.k8s.io", "volumeattachments", &va),
            vec![
                json!("csi-123"),
                json!("ebs.csi.aws.com"),
                json!("pv-1"),
                json!("n1"),
                json!(true),
                json!("<unknown>")
            ]
        );
        let node = json!({"metadata": {"name": "n1"}, "spec": {"drivers": [{"name": "a"}]}});
        assert_eq!(cells("storage.k8s.io", "csinodes", &node)[1], json!(1));
        let cap =
            json!({"metadata": {"name": "c"}, "storageClassName": "standard", "capacity": "10Gi"});
        assert_eq!(
            cells("storage.k8s.io", "csistoragecapacities", &cap),
            vec![json!("c"), json!("standard"), json!("10Gi")]
        );
    }

    #[test]
    fn networking_rows() {
        // kube's TestPrintIngress, wide: the address is never clipped.
        let ing = json!({"metadata": {"name": "test1", "creationTimestamp": "2014-06-03T12:00:00Z"},
            "spec": {"ingressClassName": "foo", "defaultBackend": {"service": {"name": "default-backend", "port": {"number": 80}}}},
            "status": {"loadBalancer": {"ingress": [{"ip": "2.3.4.5", "hostname": "localhost.localdomain"}]}}});
        assert_eq!(
            names(&builtin_columns("networking.k8s.io", "ingresses")),
            vec!["Name", "Class", "Hosts", "Address", "Ports", "Age"]
        );
        assert_eq!(
            cells("networking.k8s.io", "ingresses", &ing),
            vec![
                json!("test1"),
                json!("foo"),
                json!("*"),
                json!("2.3.4.5"),
                json!("80"),
                json!("10y")
            ]
        );
        let hosts = json!({"metadata": {"name": "h"}, "spec": {"tls": [{"hosts": ["a.example.com"]}],
            "rules": [{"host": "a.example.com"}, {}, {"host": "b.example.com"}, {"host": "c.example.com"}, {"host": "d.example.com"}]}});
        let row = cells("networking.k8s.io", "ingresses", &hosts);
        assert_eq!(
            row[1..5],
            [
                json!("<none>"),
                json!("a.example.com,b.example.com,c.example.com + 2 more..."),
                json!(""),
                json!("80, 443")
            ]
        );
        // kube's TestPrintIngressClass.
        let with_group = json!({"metadata": {"name": "test1"}, "spec": {"controller": "example.com/controller",
            "parameters": {"apiGroup": "example.com", "kind": "customgroup", "name": "example"}}});
        assert_eq!(
            cells("networking.k8s.io", "ingressclasses", &with_group)[1..3],
            [
                json!("example.com/controller"),
                json!("customgroup.example.com/example")
            ]
        );
        let without = json!({"metadata": {"name": "test2"}, "spec": {"controller": "c", "parameters": {"kind": "customgroup", "name": "example"}}});
        assert_eq!(
            cells("networking.k8s.io", "ingressclasses", &without)[2],
            json!("customgroup/example")
        );
        let np = json!({"metadata": {"name": "deny"}, "spec": {"podSelector": {}}});
        assert_eq!(
            cells("networking.k8s.io", "networkpolicies", &np)[1],
            json!("<none>")
        );
        let np = json!({"metadata": {"name": "web"}, "spec": {"podSelector": {"matchLabels": {"app": "web"}}}});
        assert_eq!(
            cells("networking.k8s.io", "networkpolicies", &np)[1],
            json!("app=web")
        );
        let cidr = json!({"metadata": {"name": "kubernetes"}, "spec": {"cidrs": ["10.96.0.0/16", "fd00:10:96::/112"]}});
        assert_eq!(
            cells("networking.k8s.io", "servicecidrs", &cidr)[1],
            json!("10.96.0.0/16,fd00:10:96::/112")
        );
        let ip = json!({"metadata": {"name": "10.96.0.1"}, "spec": {"parentRef": {"group": "", "resource": "services",
            "namespace": "default", "name": "kubernetes"}}});
        assert_eq!(
            cells("networking.k8s.io", "ipaddresses", &ip)[1],
            json!("services/default/kubernetes")
        );
    }

    #[test]
    fn policy_autoscaling_and_scheduling_rows() {
        let pdb = json!({"metadata": {"name": "web"}, "spec": {"minAvailable": 2}, "status": {"disruptionsAllowed": 1}});
        assert_eq!(
            cells("policy", "poddisruptionbudgets", &pdb)[1..4],
            [json!("2"), json!("N/A"), json!(1)]
        );
        let pdb = json!({"metadata": {"name": "web"}, "spec": {"maxUnavailable": "25%"}});
        assert_eq!(
            cells("policy", "poddisruptionbudgets", &pdb)[1..4],
            [json!("N/A"), json!("25%"), json!(0)]
        );

        let hpa = json!({"metadata": {"name": "php-apache", "creationTimestamp": "2024-06-01T11:00:00Z"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "php-apache"},
                "minReplicas": 1, "maxReplicas": 10,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]},
            "status": {"currentReplicas": 1, "desiredReplicas": 1,
                "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 0, "averageValue": "1m"}}}]}});
        assert_eq!(
            cells("autoscaling", "horizontalpodautoscalers", &hpa),
            vec![
                json!("php-apache"),
                json!("Deployment/php-apache"),
                json!("cpu: 0%/50%"),
                json!("1"),
                json!(10),
                json!(1),
                json!("60m"),
            ]
        );
        let many = json!({"metadata": {"name": "h"}, "spec": {"maxReplicas": 3, "metrics": [
            {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1k"}}},
            {"type": "Object", "object": {"target": {"type": "Value", "value": "10"}}},
            {"type": "External", "external": {"target": {"type": "AverageValue", "averageValue": "30"}}}]},
            "status": {"currentMetrics": [{"type": "Pods", "pods": {"current": {"averageValue": "500"}}}]}});
        let row = cells("autoscaling", "horizontalpodautoscalers", &many);
        assert_eq!(row[2], json!("500/1k, <unknown>/10 + 1 more..."));
        assert_eq!(row[3], json!("<unset>"));
        let memory = json!({"metadata": {"name": "h"}, "spec": {"metrics": [
            {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}},
            {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app", "target": {"type": "Utilization"}}}]}});
        assert_eq!(
            cells("autoscaling", "horizontalpodautoscalers", &memory)[2],
            json!("memory: <unknown>/100Mi, cpu: <unknown>/<auto>")
        );
        let v1 = json!({"metadata": {"name": "h"}, "spec": {"targetCPUUtilizationPercentage": 80, "maxReplicas": 5},
            "status": {"currentCPUUtilizationPercentage": 12}});
        assert_eq!(
            cells("autoscaling", "horizontalpodautoscalers", &v1)[2],
            json!("cpu: 12%/80%")
        );
        let none = json!({"metadata": {"name": "h"}, "spec": {}});
        assert_eq!(
            cells("autoscaling", "horizontalpodautoscalers", &none)[2],
            json!("<none>")
        );

        let pc = json!({"metadata": {"name": "system-cluster-critical", "creationTimestamp": "2024-06-01T10:00:00Z"},
            "value": 2_000_000_000, "preemptionPolicy": "PreemptLowerPriority", "description": "critical"});
        assert_eq!(
            names(&builtin_columns("scheduling.k8s.io", "priorityclasses")),
            vec!["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"]
        );
        assert_eq!(
            cells("scheduling.k8s.io", "priorityclasses", &pc),
            vec![
                json!("system-cluster-critical"),
                json!(2_000_000_000),
                json!(false),
                json!("120m"),
                json!("PreemptLowerPriority")
            ]
        );
        let rc = json!({"metadata": {"name": "gvisor"}, "handler": "runsc"});
        assert_eq!(
            cells("node.k8s.io", "runtimeclasses", &rc),
            vec![json!("gvisor"), json!("runsc"), json!("<unknown>")]
        );
        assert_eq!(
            builtin_columns("node.k8s.io", "runtimeclasses")[1]["description"],
            ""
        );
    }

    #[test]
    fn certificate_signing_request_rows() {
        let cols = builtin_columns("certificates.k8s.io", "certificatesigningrequests");
        assert_eq!(
            names(&cols),
            vec![
                "Name",
                "Age",
                "SignerName",
                "Requestor",
                "RequestedDuration",
                "Condition"
            ]
        );
        let csr = |status: Value| {
            json!({"metadata": {"name": "csr-abc", "creationTimestamp": "2024-06-01T11:59:00Z"},
                "spec": {"signerName": "kubernetes.io/kube-apiserver-client-kubelet", "username": "system:node:kind-control-plane",
                    "expirationSeconds": 86400, "request": "LS0t", "usages": ["client auth"]},
                "status": status})
        };
        assert_eq!(
            cells(
                "certificates.k8s.io",
                "certificatesigningrequests",
                &csr(
                    json!({"conditions": [{"type": "Approved", "status": "True"}], "certificate": "LS0t"})
                )
            ),
            vec![
                json!("csr-abc"),
                json!("60s"),
                json!("kubernetes.io/kube-apiserver-client-kubelet"),
                json!("system:node:kind-control-plane"),
                json!("24h"),
                json!("Approved,Issued"),
            ]
        );
        let condition = |status: Value| {
            cells(
                "certificates.k8s.io",
                "certificatesigningrequests",
                &csr(status),
            )[5]
            .clone()
        };
        assert_eq!(condition(json!({})), json!("Pending"));
        assert_eq!(
            condition(
                json!({"conditions": [{"type": "Approved"}, {"type": "Denied"}, {"type": "Failed"}]})
            ),
            json!("Denied,Failed")
        );
        let unsigned = json!({"metadata": {"name": "c"}, "spec": {"username": "u"}});
        let row = cells(
            "certificates.k8s.io",
            "certificatesigningrequests",
            &unsigned,
        );
        assert_eq!(
            (row[2].clone(), row[4].clone()),
            (json!("<none>"), json!("<none>"))
        );
    }

    #[test]
    fn core_odds_and_ends() {
        let template = json!({"metadata": {"name": "t"}, "template": {"metadata": {"labels": {"b": "2", "a": "1"}},
            "spec": {"containers": [{"name": "c1", "image": "i1"}, {"name": "c2", "image": "i2"}]}}});
        assert_eq!(
            cells("", "podtemplates", &template),
            vec![json!("t"), json!("c1,c2"), json!("i1,i2"), json!("a=1,b=2")]
        );
        let cs = json!({"metadata": {"name": "etcd-0"}, "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}]});
        assert_eq!(
            cells("", "componentstatuses", &cs),
            vec![json!("etcd-0"), json!("Healthy"), json!("ok"), json!("")]
        );
        let sick = json!({"metadata": {"name": "scheduler"}, "conditions": [{"type": "Healthy", "status": "False", "error": "dial tcp: refused"}]});
        assert_eq!(
            cells("", "componentstatuses", &sick)[1..],
            [json!("Unhealthy"), json!(""), json!("dial tcp: refused")]
        );
        let quota = json!({"metadata": {"name": "q", "creationTimestamp": "2024-06-01T11:00:00Z"},
            "status": {"hard": {"pods": "10", "limits.memory": "2Gi", "requests.cpu": "1", "limits.cpu": "2"},
                "used": {"pods": "3", "limits.cpu": "500m"}}});
        assert_eq!(
            cells("", "resourcequotas", &quota),
            vec![
                json!("q"),
                json!("pods: 3/10, requests.cpu: 0/1"),
                json!("limits.cpu: 500m/2, limits.memory: 0/2Gi"),
                json!("60m")
            ]
        );
        let limit_range =
            json!({"metadata": {"name": "lr", "creationTimestamp": "2024-06-01T11:00:00Z"}});
        assert_eq!(
            cells("", "limitranges", &limit_range),
            vec![json!("lr"), json!("2024-06-01T11:00:00Z")]
        );
    }

    #[test]
    fn controller_revision_rows() {
        let cr = json!({"metadata": {"name": "kindnet-7b5c9f6d4", "creationTimestamp": "2024-06-01T10:00:00Z",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "kindnet", "controller": true}]},
            "revision": 1});
        assert_eq!(
            cells("apps", "controllerrevisions", &cr),
            vec![
                json!("kindnet-7b5c9f6d4"),
                json!("daemonset.apps/kindnet"),
                json!(1),
                json!("120m")
            ]
        );
        let orphan = json!({"metadata": {"name": "o", "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p"}]}, "revision": 3});
        assert_eq!(
            cells("apps", "controllerrevisions", &orphan)[1],
            json!("<none>")
        );
        let core_owner = json!({"metadata": {"name": "o", "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p", "controller": true}]}});
        assert_eq!(
            cells("apps", "controllerrevisions", &core_owner)[1],
            json!("pod/p")
        );
    }

    #[test]
    fn admission_and_flow_control_rows() {
        let webhook = json!({"metadata": {"name": "w"}, "webhooks": [{"name": "a.example.com"}, {"name": "b.example.com"}]});
        for resource in [
            "mutatingwebhookconfigurations",
            "validatingwebhookconfigurations",
        ] {
            assert_eq!(
                names(&builtin_columns("admissionregistration.k8s.io", resource)),
                vec!["Name", "Webhooks", "Age"]
            );
            assert_eq!(
                cells("admissionregistration.k8s.io", resource, &webhook)[1],
                json!(2)
            );
        }
        let vap = json!({"metadata": {"name": "v"}, "spec": {"paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
            "validations": [{"expression": "true"}]}});
        assert_eq!(
            cells(
                "admissionregistration.k8s.io",
                "validatingadmissionpolicies",
                &vap
            )[1..3],
            [json!(1), json!("v1/ConfigMap")]
        );
        let bindings = [
            (json!({"policyName": "v"}), "<unset>"),
            (
                json!({"policyName": "v", "paramRef": {"name": "cfg", "namespace": "ns"}}),
                "ns/cfg",
            ),
            (
                json!({"policyName": "v", "paramRef": {"name": "cfg"}}),
                "*/cfg",
            ),
            (
                json!({"policyName": "v", "paramRef": {"selector": {"matchLabels": {"env": "prod"}}}}),
                "env=prod",
            ),
        ];
        for (spec, want) in bindings {
            let obj = json!({"metadata": {"name": "b"}, "spec": spec});
            assert_eq!(
                cells(
                    "admissionregistration.k8s.io",
                    "validatingadmissionpolicybindings",
                    &obj
                )[1..3],
                [json!("v"), json!(want)]
            );
        }

        let fs = json!({"metadata": {"name": "system-leader-election", "creationTimestamp": "2024-06-01T10:00:00Z"},
            "spec": {"priorityLevelConfiguration": {"name": "leader-election"}, "matchingPrecedence": 100,
                "distinguisherMethod": {"type": "ByUser"}},
            "status": {"conditions": [{"type": "Dangling", "status": "False"}]}});
        assert_eq!(
            cells("flowcontrol.apiserver.k8s.io", "flowschemas", &fs),
            vec![
                json!("system-leader-election"),
                json!("leader-election"),
                json!(100),
                json!("ByUser"),
                json!("120m"),
                json!("False")
            ]
        );
        let exempt = json!({"metadata": {"name": "exempt"}, "spec": {"priorityLevelConfiguration": {"name": "exempt"}, "matchingPrecedence": 1}});
        assert_eq!(
            cells("flowcontrol.apiserver.k8s.io", "flowschemas", &exempt)[3..],
            [json!("<none>"), json!("<unknown>"), json!("?")]
        );
        let plc = json!({"metadata": {"name": "workload-low"}, "spec": {"type": "Limited", "limited": {
            "nominalConcurrencyShares": 100, "limitResponse": {"type": "Queue",
                "queuing": {"queues": 128, "handSize": 6, "queueLengthLimit": 50}}}}});
        assert_eq!(
            cells(
                "flowcontrol.apiserver.k8s.io",
                "prioritylevelconfigurations",
                &plc
            )[1..6],
            [
                json!("Limited"),
                json!(100),
                json!(128),
                json!(6),
                json!(50)
            ]
        );
        let exempt =
            json!({"metadata": {"name": "exempt"}, "spec": {"type": "Exempt", "exempt": {}}});
        assert_eq!(
            cells(
                "flowcontrol.apiserver.k8s.io",
                "prioritylevelconfigurations",
                &exempt
            )[1..6],
            [
                json!("Exempt"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn api_service_and_resource_claim_rows() {
        assert_eq!(
            names(&builtin_columns("apiregistration.k8s.io", "apiservices")),
            vec!["Name", "Service", "Available", "Age"]
        );
        let local = json!({"metadata": {"name": "v1.apps", "creationTimestamp": "2024-06-01T10:00:00Z"},
            "spec": {"group": "apps", "version": "v1"},
            "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Local"}]}});
        assert_eq!(
            cells("apiregistration.k8s.io", "apiservices", &local),
            vec![
                json!("v1.apps"),
                json!("Local"),
                json!("True"),
                json!("120m")
            ]
        );
        let remote = json!({"metadata": {"name": "v1beta1.metrics.k8s.io"},
            "spec": {"service": {"namespace": "kube-system", "name": "metrics-server"}},
            "status": {"conditions": [{"type": "Available", "status": "False", "reason": "MissingEndpoints"}]}});
        assert_eq!(
            cells("apiregistration.k8s.io", "apiservices", &remote)[1..3],
            [
                json!("kube-system/metrics-server"),
                json!("False (MissingEndpoints)")
            ]
        );
        let unknown = json!({"metadata": {"name": "x"}, "spec": {}});
        assert_eq!(
            cells("apiregistration.k8s.io", "apiservices", &unknown)[2],
            json!("Unknown")
        );

        let claim = |status: Value, deleting: bool| {
            let mut c = json!({"metadata": {"name": "c"}, "status": status});
            if deleting {
                c["metadata"]["deletionTimestamp"] = json!("2024-06-01T11:00:00Z");
            }
            cells("resource.k8s.io", "resourceclaims", &c)[1].clone()
        };
        assert_eq!(claim(json!({}), false), json!("pending"));
        assert_eq!(claim(json!({}), true), json!("deleted"));
        assert_eq!(
            claim(
                json!({"allocation": {}, "reservedFor": [{"name": "p"}]}),
                true
            ),
            json!("deleted,allocated,reserved")
        );
    }
}
