//! Placeholder: filled by the binding's issue.
