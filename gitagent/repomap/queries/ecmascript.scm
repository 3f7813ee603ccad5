; gitagent's additions to the wheels' tags.scm for JavaScript, TypeScript and TSX: imported names.

(import_specifier name: (identifier) @name) @reference.import
