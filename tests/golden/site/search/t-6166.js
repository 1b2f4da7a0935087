CatalogSearch.add("t","af",{"after":"0E3E","after they":"0O","after training":"3O"});
