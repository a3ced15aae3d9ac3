/**
 * A TypeDoc plugin: where a public member's type is one of XState's generic types (a machine's
 * `StateMachine<…>`, a session's `ActorRefFrom<…>`), its type arguments are the inline types XState
 * infers from the machine's config: events, actor maps, guard and delay names. They are XState's
 * bookkeeping, not our API, and JSDoc cannot reach them; the page shows the type without them, and
 * `validation.notDocumented` checks everything else.
 */
import { Converter, ReferenceType, ReflectionType } from 'typedoc';

/** Every inline declaration reachable from a type, however deeply nested. */
function* inlineDeclarations(type, seen = new Set()) {
  if (!type || typeof type !== 'object' || seen.has(type)) return;
  seen.add(type);
  if (type instanceof ReflectionType) {
    yield type.declaration;
    return;
  }
  for (const value of Object.values(type)) {
    if (Array.isArray(value)) for (const item of value) yield* inlineDeclarations(item, seen);
    else if (value && typeof value === 'object' && 'type' in value) yield* inlineDeclarations(value, seen);
  }
}

export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const { project } = context;
    for (const reflection of Object.values(project.reflections)) {
      const type = reflection.type;
      if (!(type instanceof ReferenceType) || type.package !== 'xstate' || !type.typeArguments) continue;
      for (const declaration of [...inlineDeclarations({ type: 'args', args: type.typeArguments })]) {
        project.removeReflection(declaration);
      }
      type.typeArguments = undefined;
    }
  });
}
