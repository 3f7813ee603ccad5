; gitagent's addition for JavaScript: a base class is a reference to it.

(class_heritage (identifier) @name) @reference.class
