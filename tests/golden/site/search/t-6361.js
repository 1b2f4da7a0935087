CatalogSearch.add("t","ca",{"can":"0E3E","can improve":"0O","can pruned":"3O","carbin":"3j"});
