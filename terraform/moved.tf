# Where each region's modules lived before modules/region: existing state moves to the new
# addresses instead of being destroyed and recreated. Keep these blocks until every
# environment's state has been planned and applied with them (they cost nothing).

moved {
  from = module.security
  to   = module.primary.module.security
}

moved {
  from = module.security_dr
  to   = module.dr.module.security
}

moved {
  from = module.network
  to   = module.primary.module.network[0]
}

moved {
  from = module.network_dr[0]
  to   = module.dr.module.network[0]
}

moved {
  from = module.eks[0]
  to   = module.primary.module.eks[0]
}

moved {
  from = module.eks_dr[0]
  to   = module.dr.module.eks[0]
}

moved {
  from = module.database_hosts[0]
  to   = module.primary.module.database_hosts[0]
}

moved {
  from = module.database_hosts_dr[0]
  to   = module.dr.module.database_hosts[0]
}

moved {
  from = module.cache[0]
  to   = module.primary.module.cache[0]
}

moved {
  from = module.cache_dr[0]
  to   = module.dr.module.cache[0]
}
