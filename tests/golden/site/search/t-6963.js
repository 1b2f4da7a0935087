CatalogSearch.add("t","ic",{"iclr":"0C2D1D2D"});
