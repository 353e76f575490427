// Validate Gateway API objects against the schemas of @kubernetes-models/gateway-api.
// Reads a JSON array of objects on stdin; writes a JSON array on stdout, one entry per object:
// {"index", "kind", "name", "errors": [...]} (errors empty when the object is valid).
// Kinds other than the ones mapped below are reported as errors: nothing passes unchecked.
import { HTTPRoute as HTTPRouteV1 } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";
import { ReferenceGrant as ReferenceGrantV1 } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/ReferenceGrant";
import { Gateway as GatewayV1 } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway";
import { HTTPRoute as HTTPRouteV1beta1 } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1/HTTPRoute";
import { ReferenceGrant as ReferenceGrantV1beta1 } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1/ReferenceGrant";

const MODELS = new Map(
  [HTTPRouteV1, ReferenceGrantV1, GatewayV1, HTTPRouteV1beta1, ReferenceGrantV1beta1].map((m) => [
    `${m.apiVersion}/${m.kind}`,
    m,
  ]),
);

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const objects = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const results = objects.map((obj, index) => {
  const kind = `${obj?.apiVersion}/${obj?.kind}`;
  const name = obj?.metadata?.name ?? null;
  const Model = MODELS.get(kind);
  if (!Model) return { index, kind, name, errors: [`no Gateway API schema for ${kind}`] };
  try {
    new Model(obj).validate();
    return { index, kind, name, errors: [] };
  } catch (err) {
    const errors = (err.errors ?? [{ instancePath: "", message: String(err.message) }]).map(
      (e) => `${e.instancePath || "/"}: ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`,
    );
    return { index, kind, name, errors };
  }
});
process.stdout.write(JSON.stringify(results));
