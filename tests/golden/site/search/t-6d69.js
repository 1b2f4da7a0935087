CatalogSearch.add("t","mi",{"michael":[4.17,"3_"],"misra":[3.652,"0_"]});
