CatalogSearch.add("t","ge",{"generalization":"0X1F4d","generalization beyond":"0X","generalization long":"0O"});
