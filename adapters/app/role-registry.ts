import type { ContextModule, RoleDeclaration, RoleRegistry } from './context-module.js';

/** The roles the running contexts declare; a role declared twice with different meanings stops the start. */
export class DeclaredRoles implements RoleRegistry {
  private readonly roles = new Map<string, RoleDeclaration>();

  register(modules: readonly ContextModule[]): void {
    for (const module of modules) {
      for (const role of module.roles ?? []) {
        const known = this.roles.get(role.name);
        if (known && known.description !== role.description) {
          throw new Error(`role ${role.name} is declared twice (by ${module.name} and before it) with different meanings`);
        }
        this.roles.set(role.name, role);
      }
    }
  }

  has(name: string): boolean {
    return this.roles.has(name);
  }

  grantable(name: string): boolean {
    return this.roles.get(name)?.grantable !== false && this.roles.has(name);
  }

  list(): readonly RoleDeclaration[] {
    return [...this.roles.values()];
  }
}
