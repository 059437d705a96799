//! yanhuo: what a lockdown cost a street's small shops, and what its WeChat groups saved.
