"""Citation checker: reads a policy, finds its references to the guidance and checks each one."""
